import { ARRAY, BOOLEAN, INT32, MAP, POINTER, POINTER_BIAS, UINT16, UINT32, UTF8, type TreeShape } from './mmdb-format.js';

/** The metadata of a MaxMind DB (the fields we use), from the file's last bytes. */
export interface MmdbMetadata extends TreeShape {
  readonly databaseType: string;
  readonly buildEpoch: Date;
  /** Locale codes the database has names in (`en`, `de`, `pt-BR`…). */
  readonly languages: readonly string[];
}

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // "\xAB\xCD\xEFMaxMind.com"
/** The metadata section is within the last 128 KiB of the file (MaxMind DB spec). */
export const METADATA_MAX_BYTES = 128 * 1024;

/**
 * Reads the metadata from the end of a database (`tail`: its last bytes, or all of it), so a run
 * can check the file without reading its 60 MB. Throws an Error saying what is wrong.
 */
export function readMetadata(tail: Buffer): MmdbMetadata {
  const at = tail.lastIndexOf(METADATA_MARKER);
  if (at < 0) throw new Error('no MaxMind DB metadata marker');
  const meta = decodeValue(tail, at + METADATA_MARKER.length, at + METADATA_MARKER.length, 0);
  if (!(meta instanceof Map)) throw new Error('the metadata is not a map');
  const num = (key: string): number => {
    const v = meta.get(key);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`metadata ${key} is missing or not a number`);
    return v;
  };
  const recordSize = num('record_size');
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) throw new Error(`unsupported record size ${recordSize}`);
  const ipVersion = num('ip_version');
  if (ipVersion !== 4 && ipVersion !== 6) throw new Error(`unsupported ip_version ${ipVersion}`);
  const nodeCount = num('node_count');
  const type = meta.get('database_type');
  return {
    nodeCount,
    recordSize,
    ipVersion,
    searchTreeSize: (nodeCount * recordSize) / 4,
    databaseType: typeof type === 'string' ? type : '',
    buildEpoch: new Date(num('build_epoch') * 1000),
    languages: stringsOf(meta.get('languages')),
  };
}

function stringsOf(v: Value | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

type Value = string | number | boolean | Buffer | Value[] | Map<string, Value>;

/** A whole value (for the small metadata map); maps become Maps, uint64/128 numbers (exact up to 2^53). */
function decodeValue(db: Buffer, offset: number, pointerBase: number, depth: number, end: { at: number } = { at: 0 }): Value {
  if (depth > 32) throw new Error('data nested too deeply');
  if (offset >= db.length) throw new Error('data runs past the end');
  const ctrl = db[offset]!;
  let p = offset + 1;
  let type = ctrl >> 5;
  if (type === POINTER) {
    const size = (ctrl >> 3) & 3;
    const packed = size === 3 ? db.readUInt32BE(p) : (((ctrl & 7) << (8 * (size + 1))) >>> 0) + db.readUIntBE(p, size + 1);
    end.at = p + size + 1;
    return decodeValue(db, pointerBase + POINTER_BIAS[size]! + packed, pointerBase, depth + 1);
  }
  if (type === 0) type = 7 + db[p++]!;
  let size = ctrl & 0x1f;
  if (size === 29) size = 29 + db[p++]!;
  else if (size === 30) (size = 285 + db.readUInt16BE(p)), (p += 2);
  else if (size === 31) (size = 65821 + db.readUIntBE(p, 3)), (p += 3);
  if (type === MAP || type === ARRAY) {
    const map = new Map<string, Value>();
    const arr: Value[] = [];
    for (let i = 0; i < size; i++) {
      const inner = { at: 0 };
      if (type === MAP) {
        const key = decodeValue(db, p, pointerBase, depth + 1, inner);
        p = inner.at;
        map.set(String(key), decodeValue(db, p, pointerBase, depth + 1, inner));
      } else arr.push(decodeValue(db, p, pointerBase, depth + 1, inner));
      p = inner.at;
    }
    end.at = p;
    return type === MAP ? map : arr;
  }
  if (p + (type === BOOLEAN ? 0 : size) > db.length) throw new Error('data runs past the end');
  end.at = type === BOOLEAN ? p : p + size;
  switch (type) {
    case UTF8:
      return db.toString('utf8', p, p + size);
    case 3: // double
      return db.readDoubleBE(p);
    case 4: // bytes
      return db.subarray(p, p + size);
    case UINT16:
    case UINT32:
    case 9: // uint64
    case 10: {
      // uint128
      let v = 0;
      for (let i = 0; i < size; i++) v = v * 256 + db[p + i]!;
      return v;
    }
    case INT32:
      return size === 0 ? 0 : db.readIntBE(p + size - Math.min(size, 4), Math.min(size, 4));
    case BOOLEAN:
      return size !== 0;
    case 15: // float
      return db.readFloatBE(p);
    default:
      throw new Error(`unknown data type ${type}`);
  }
}
