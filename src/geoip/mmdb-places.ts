import type { GeoPlace } from '../core/geo-key.js';
import { addressBytes } from './ip-address.js';
import { ARRAY, MAP, type TreeShape } from './mmdb-format.js';
import { MmdbFields, type MmdbBytes } from './mmdb-fields.js';

export { METADATA_MAX_BYTES, readMetadata, type MmdbMetadata } from './mmdb-metadata.js';
export type { TreeShape } from './mmdb-format.js';
export type { MmdbBytes } from './mmdb-fields.js';

const COUNTRY = Buffer.from('country');
const SUBDIVISIONS = Buffer.from('subdivisions');
const CITY = Buffer.from('city');
const ISO_CODE = Buffer.from('iso_code');
const GEONAME_ID = Buffer.from('geoname_id');

/**
 * The three parts of the module's geo key (country and first subdivision ISO codes, city geoname
 * id), read straight from a GeoIP2/GeoLite2 City database's bytes. `maxmind`'s reader decodes a
 * whole City record (names in eight languages, location, postal code…) into objects for every
 * lookup; a busy log has tens of thousands of addresses, and that decoding was most of a run's
 * time. Here only the needed fields are visited, everything else is skipped by its size, and the
 * result is cached per record: the addresses of one network share it.
 */
export class MmdbPlaces extends MmdbFields {
  private readonly ipv4Start: number;
  private readonly byRecord = new Map<number, GeoPlace | null>();

  constructor(source: Buffer | MmdbBytes, tree: TreeShape) {
    super(source, tree);
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

}
