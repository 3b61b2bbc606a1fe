import type { GeoPlace } from '../core/geo-key.js';
import { addressBytes } from './ip-address.js';
import { ARRAY, BOOLEAN, DATA_SECTION_SEPARATOR, INT32, MAP, POINTER, POINTER_BIAS, UINT16, UINT32, UTF8, type TreeShape } from './mmdb-format.js';

export { METADATA_MAX_BYTES, readMetadata, type MmdbMetadata } from './mmdb-metadata.js';
export type { TreeShape } from './mmdb-format.js';

const COUNTRY = Buffer.from('country');
const SUBDIVISIONS = Buffer.from('subdivisions');
const CITY = Buffer.from('city');
const ISO_CODE = Buffer.from('iso_code');
const GEONAME_ID = Buffer.from('geoname_id');

/** A database's bytes, and how to make a range of them readable first (storage read on demand). */
export interface MmdbBytes {
  readonly bytes: Buffer;
  need(offset: number, length: number): void;
}

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
 * The three parts of the module's geo key (country and first subdivision ISO codes, city geoname
 * id), read straight from a GeoIP2/GeoLite2 City database's bytes. `maxmind`'s reader decodes a
 * whole City record (names in eight languages, location, postal code…) into objects for every
 * lookup; a busy log has tens of thousands of addresses, and that decoding was most of a run's
 * time. Here only the needed fields are visited, everything else is skipped by its size, and the
 * result is cached per record: the addresses of one network share it.
 */
export class MmdbPlaces {
  private readonly ipv4Start: number;
  private readonly dataBase: number;
  private readonly byRecord = new Map<number, GeoPlace | null>();
  private readonly h: Header = { type: 0, size: 0, payload: 0 };
  private readonly db: Buffer;
  private readonly source: MmdbBytes;
  private readonly nodeBytes: number;

  /** `source`: the whole file, or a file read on demand (every read below asks `need` first). */
  constructor(
    source: Buffer | MmdbBytes,
    private readonly tree: TreeShape,
  ) {
    this.source = Buffer.isBuffer(source) ? { bytes: source, need: () => {} } : source;
    this.db = this.source.bytes;
    this.nodeBytes = tree.recordSize / 4;
    if (tree.recordSize !== 24 && tree.recordSize !== 28 && tree.recordSize !== 32) {
      throw new Error(`unsupported record size ${tree.recordSize}`);
    }
    this.dataBase = tree.searchTreeSize + DATA_SECTION_SEPARATOR;
    let node = 0;
    if (tree.ipVersion !== 4) for (let i = 0; i < 96 && node < tree.nodeCount; i++) node = this.child(node, 0);
    this.ipv4Start = node;
  }

  /** The place of an address (no brackets, no `::ffff:` handling here), or null when the database has none. */
  locate(address: string): GeoPlace | null {
    const bytes = addressBytes(address);
    if (bytes === null) return null;
    const record = this.recordOf(bytes);
    if (record < 0) return null;
    let place = this.byRecord.get(record);
    if (place === undefined) {
      place = this.placeAt(record);
      if (this.byRecord.size >= 100_000) this.byRecord.clear();
      this.byRecord.set(record, place);
    }
    return place;
  }

  /** File offset of the address's data record, or -1 when the tree has none. */
  private recordOf(bytes: Uint8Array): number {
    const { nodeCount } = this.tree;
    let node = bytes.length === 4 ? this.ipv4Start : 0;
    const bits = bytes.length * 8;
    for (let depth = 0; depth < bits && node < nodeCount; depth++) {
      node = this.child(node, (bytes[depth >> 3] >>> (7 ^ (depth & 7))) & 1);
    }
    return node > nodeCount ? node - nodeCount + this.tree.searchTreeSize : -1;
  }

  private child(node: number, bit: number): number {
    const db = this.db;
    this.source.need(node * this.nodeBytes, this.nodeBytes);
    switch (this.tree.recordSize) {
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

  private placeAt(record: number): GeoPlace | null {
    if (this.header(record).type !== MAP) return null;
    const place: { country?: string; subdivision?: string; city?: number | string } = {};
    const country = this.valueOf(record, COUNTRY);
    if (country >= 0) place.country = this.scalarAt(this.valueOf(country, ISO_CODE)) as string | undefined;
    const subdivisions = this.valueOf(record, SUBDIVISIONS);
    if (subdivisions >= 0 && this.header(subdivisions).type === ARRAY && this.h.size > 0) {
      place.subdivision = this.scalarAt(this.valueOf(this.h.payload, ISO_CODE)) as string | undefined;
    }
    const city = this.valueOf(record, CITY);
    if (city >= 0) place.city = this.scalarAt(this.valueOf(city, GEONAME_ID));
    return place;
  }

  /** Offset of the value under `key` in the map at `offset` (pointers followed), or -1. */
  private valueOf(offset: number, key: Uint8Array): number {
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
  private scalarAt(offset: number): string | number | undefined {
    if (offset < 0) return undefined;
    const { type, size, payload } = this.header(offset);
    this.source.need(payload, size);
    if (type === UTF8) return this.db.toString('utf8', payload, payload + size);
    if (type === UINT16 || type === UINT32 || (type === INT32 && size < 4)) return size === 0 ? 0 : this.db.readUIntBE(payload, size);
    return undefined;
  }

  private bytesEqual(at: number, size: number, key: Uint8Array): boolean {
    if (size !== key.length) return false;
    this.source.need(at, size);
    for (let i = 0; i < size; i++) if (this.db[at + i] !== key[i]) return false;
    return true;
  }

  /** Offset just past the value at `offset` (a pointer is skipped, not followed). */
  private skip(offset: number): number {
    this.source.need(offset, 1);
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
  private header(offset: number): Header {
    this.source.need(offset, 1);
    const ctrl = this.db[offset];
    if (ctrl >> 5 === POINTER) return this.rawHeader(this.pointerTarget(offset));
    return this.rawHeader(offset);
  }

  private pointerTarget(offset: number): number {
    const db = this.db;
    this.source.need(offset, MAX_HEADER_BYTES);
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

  private rawHeader(offset: number): Header {
    const db = this.db;
    this.source.need(offset, MAX_HEADER_BYTES);
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
