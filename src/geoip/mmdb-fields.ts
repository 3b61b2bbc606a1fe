import { BLOCK_SHIFT } from './paged-file.js';
import { ARRAY, BOOLEAN, DATA_SECTION_SEPARATOR, INT32, MAP, POINTER, POINTER_BIAS, UINT16, UINT32, UTF8, type TreeShape } from './mmdb-format.js';

/** A database's bytes, and how to make a range of them readable first (storage read on demand). */
export interface MmdbBytes {
  readonly bytes: Buffer;
  /** 1 for each block of `1 << BLOCK_SHIFT` bytes that is readable already (checked before calling `need`). */
  readonly loaded: Uint8Array;
  need(offset: number, length: number): void;
}

const BLOCK_BYTES = 1 << BLOCK_SHIFT;

/** Header bytes at most: control byte, extended type, three size bytes (or a pointer's four). */
const MAX_HEADER_BYTES = 5;

/** Where the last `header` call found a value. */
interface Header {
  type: number;
  /** Payload size in bytes, or the entry count of a map or array, or a boolean's value. */
  size: number;
  /** First byte of the payload (of the first entry for a map or array). */
  payload: number;
}

/**
 * The MaxMind DB format read field by field: the search tree's nodes, and values in the data
 * section found by key without decoding what is around them. The readers built on it (places of
 * addresses, names of places) visit only the fields they need and skip the rest by its size.
 */
export class MmdbFields {
  protected readonly dataBase: number;
  protected readonly h: Header = { type: 0, size: 0, payload: 0 };
  protected readonly db: Buffer;
  protected readonly source: MmdbBytes;
  private readonly loaded: Uint8Array;
  private readonly nodeBytes: number;
  private readonly recordSize: number;

  /** `source`: the whole file, or a file read on demand (every read below asks `need` first). */
  constructor(
    source: Buffer | MmdbBytes,
    protected readonly tree: TreeShape,
  ) {
    this.source = Buffer.isBuffer(source) ? { bytes: source, loaded: new Uint8Array((source.length >>> BLOCK_SHIFT) + 1).fill(1), need: () => {} } : source;
    this.db = this.source.bytes;
    this.loaded = this.source.loaded;
    this.recordSize = tree.recordSize;
    this.nodeBytes = tree.recordSize / 4;
    if (tree.recordSize !== 24 && tree.recordSize !== 28 && tree.recordSize !== 32) {
      throw new Error(`unsupported record size ${tree.recordSize}`);
    }
    this.dataBase = tree.searchTreeSize + DATA_SECTION_SEPARATOR;
  }

  /** The record of `node` for `bit`: a node number, `nodeCount` (no data) or a data pointer. */
  protected child(node: number, bit: number): number {
    const db = this.db;
    this.ensure(node * this.nodeBytes, this.nodeBytes);
    switch (this.recordSize) {
      case 24: {
        const o = node * 6 + bit * 3;
        return (db[o] << 16) | (db[o + 1] << 8) | db[o + 2];
      }
      case 28: {
        const o = node * 7;
        return bit === 0
          ? ((db[o + 3] & 0xf0) << 20) | (db[o] << 16) | (db[o + 1] << 8) | db[o + 2]
          : ((db[o + 3] & 0x0f) << 24) | (db[o + 4] << 16) | (db[o + 5] << 8) | db[o + 6];
      }
      default:
        return db.readUInt32BE(node * 8 + bit * 4);
    }
  }

  /**
   * Makes `[offset, offset + length)` readable. The loaded flags are checked here, where V8 can
   * inline it (a lookup reads some 30 tree nodes and a dozen headers); `need` only for a block not read yet.
   */
  protected ensure(offset: number, length: number): void {
    const loaded = this.loaded;
    if (length > BLOCK_BYTES || loaded[offset >>> BLOCK_SHIFT] !== 1 || loaded[(offset + length - 1) >>> BLOCK_SHIFT] !== 1) this.source.need(offset, length);
  }

  /**
   * Visits every data record the search tree points at, once each, while `more()`; returns how
   * many were visited. For reading a whole database at once (names for a report), never per lookup.
   */
  protected eachRecord(visit: (record: number) => void, more: () => boolean): number {
    const { nodeCount, searchTreeSize } = this.tree;
    const seen = new Uint8Array(((this.db.length - searchTreeSize) >> 3) + 1);
    let records = 0;
    for (let node = 0; node < nodeCount && more(); node++) {
      for (let bit = 0; bit < 2; bit++) {
        const pointer = this.child(node, bit);
        if (pointer <= nodeCount) continue; // a node, or no data
        const index = pointer - nodeCount;
        if ((seen[index >> 3]! & (1 << (index & 7))) !== 0) continue;
        seen[index >> 3]! |= 1 << (index & 7);
        records++;
        visit(index + searchTreeSize);
      }
    }
    return records;
  }

  /**
   * `valueOf` for several keys in one pass: the offset of each key's value in the map at `offset`
   * into `out` (-1 for a key it lacks), reading no further than the last key found; false when it is not a map.
   */
  protected fieldsOf(offset: number, keys: readonly Uint8Array[], out: number[]): boolean {
    if (offset < 0 || this.header(offset).type !== MAP) return false;
    out.fill(-1);
    const count = this.h.size;
    let pos = this.h.payload;
    let missing = keys.length;
    for (let i = 0; i < count && missing > 0; i++) {
      const keyStart = pos;
      let which = -1;
      if (this.header(keyStart).type === UTF8) {
        const { payload, size } = this.h;
        for (let k = 0; k < keys.length && which < 0; k++) if (out[k]! < 0 && this.bytesEqual(payload, size, keys[k]!)) which = k;
      }
      pos = this.skip(keyStart);
      if (which >= 0) {
        out[which] = pos;
        missing--;
      }
      if (missing > 0) pos = this.skip(pos);
    }
    return true;
  }

  /** Offset of the value under `key` in the map at `offset` (pointers followed), or -1. */
  protected valueOf(offset: number, key: Uint8Array): number {
    if (offset < 0 || this.header(offset).type !== MAP) return -1;
    const count = this.h.size;
    let pos = this.h.payload;
    for (let i = 0; i < count; i++) {
      const keyStart = pos;
      const matches = this.header(keyStart).type === UTF8 && this.bytesEqual(this.h.payload, this.h.size, key);
      pos = this.skip(keyStart);
      if (matches) return pos;
      pos = this.skip(pos);
    }
    return -1;
  }

  /** A string or unsigned number at `offset`; undefined for anything else (or -1). */
  protected scalarAt(offset: number): string | number | undefined {
    if (offset < 0) return undefined;
    const { type, size, payload } = this.header(offset);
    this.ensure(payload, size);
    if (type === UTF8) return this.db.toString('utf8', payload, payload + size);
    if (type === UINT16 || type === UINT32 || (type === INT32 && size < 4)) return size === 0 ? 0 : this.db.readUIntBE(payload, size);
    return undefined;
  }

  protected bytesEqual(at: number, size: number, key: Uint8Array): boolean {
    if (size !== key.length) return false;
    this.ensure(at, size);
    for (let i = 0; i < size; i++) if (this.db[at + i] !== key[i]) return false;
    return true;
  }

  /** Offset just past the value at `offset` (a pointer is skipped, not followed). */
  protected skip(offset: number): number {
    this.ensure(offset, 1);
    const ctrl = this.db[offset];
    if (ctrl >> 5 === POINTER) return offset + 2 + ((ctrl >> 3) & 3);
    const { type, size, payload } = this.rawHeader(offset);
    if (type === MAP) {
      let pos = payload;
      for (let i = 0; i < size * 2; i++) pos = this.skip(pos);
      return pos;
    }
    if (type === ARRAY) {
      let pos = payload;
      for (let i = 0; i < size; i++) pos = this.skip(pos);
      return pos;
    }
    return type === BOOLEAN ? payload : payload + size;
  }

  /** The header of the value at `offset`, following a pointer; fills and returns `this.h`. */
  protected header(offset: number): Header {
    return this.rawHeader(this.resolved(offset));
  }

  /** Where the value at `offset` is: a pointer's target, else `offset` itself. */
  protected resolved(offset: number): number {
    this.ensure(offset, 1);
    return this.db[offset] >> 5 === POINTER ? this.pointerTarget(offset) : offset;
  }

  protected pointerTarget(offset: number): number {
    const db = this.db;
    this.ensure(offset, MAX_HEADER_BYTES);
    const ctrl = db[offset];
    const size = (ctrl >> 3) & 3;
    const p = offset + 1;
    let packed: number;
    if (size === 0) packed = ((ctrl & 7) << 8) | db[p];
    else if (size === 1) packed = ((ctrl & 7) << 16) | (db[p] << 8) | db[p + 1];
    else if (size === 2) packed = ((ctrl & 7) << 24) | (db[p] << 16) | (db[p + 1] << 8) | db[p + 2];
    else packed = db.readUInt32BE(p);
    return this.dataBase + POINTER_BIAS[size]! + packed;
  }

  protected rawHeader(offset: number): Header {
    const db = this.db;
    this.ensure(offset, MAX_HEADER_BYTES);
    const ctrl = db[offset];
    let p = offset + 1;
    let type = ctrl >> 5;
    if (type === 0) type = 7 + db[p++]!; // extended type
    let size = ctrl & 0x1f;
    if (size === 29) size = 29 + db[p++]!;
    else if (size === 30) {
      size = 285 + ((db[p]! << 8) | db[p + 1]!);
      p += 2;
    } else if (size === 31) {
      size = 65821 + ((db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!);
      p += 3;
    }
    const h = this.h;
    h.type = type;
    h.size = size;
    h.payload = p;
    return h;
  }
}
