import type { GeoPlace } from '../core/geo-key.js';
import { ARRAY, MAP, type TreeShape } from './mmdb-format.js';
import { MmdbTree } from './mmdb-tree.js';

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
export class MmdbPlaces extends MmdbTree<GeoPlace | null> {
  /** The place of an address (no brackets, no `::ffff:` handling here), or null when the database has none. */
  locate(address: string): GeoPlace | null {
    return this.lookup(address, null);
  }

  protected decode(record: number): GeoPlace | null {
    return this.placeAt(record);
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
