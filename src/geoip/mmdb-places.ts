import type { GeoPlace } from '../core/geo-key.js';
import { ARRAY } from './mmdb-format.js';
import { MmdbTree } from './mmdb-tree.js';

export { METADATA_MAX_BYTES, readMetadata, type MmdbMetadata } from './mmdb-metadata.js';
export type { TreeShape } from './mmdb-format.js';
export type { MmdbBytes } from './mmdb-fields.js';

const COUNTRY = Buffer.from('country');
const SUBDIVISIONS = Buffer.from('subdivisions');
const CITY = Buffer.from('city');
const ISO_CODE = Buffer.from('iso_code');
const GEONAME_ID = Buffer.from('geoname_id');

/** Keys of a City record's map that the geo key reads. */
const WANTED = [COUNTRY, SUBDIVISIONS, CITY] as const;
const MEMO_LIMIT = 100_000;

/**
 * The three parts of the module's geo key (country and first subdivision ISO codes, city geoname
 * id), read straight from a GeoIP2/GeoLite2 City database's bytes. `maxmind`'s reader decodes a
 * whole City record (names in eight languages, location, postal code…) into objects for every
 * lookup; a busy log has tens of thousands of addresses, and that decoding was most of a run's
 * time. Here only the needed fields are visited, everything else is skipped by its size, and the
 * result is cached per record: the addresses of one network share it. A record's country and
 * subdivisions are pointers to values that thousands of records share, so their codes are cached
 * per value too.
 */
export class MmdbPlaces extends MmdbTree<GeoPlace | null> {
  private readonly countries = new Map<number, string | number | undefined>();
  /** The first subdivision's code, or null when the value is not a non-empty array. */
  private readonly subdivisions = new Map<number, string | number | undefined | null>();
  private readonly found = [-1, -1, -1];

  /** The place of an address (no brackets, no `::ffff:` handling here), or null when the database has none. */
  locate(address: string): GeoPlace | null {
    return this.lookup(address, null);
  }

  protected decode(record: number): GeoPlace | null {
    const found = this.found;
    if (!this.fieldsOf(record, WANTED, found)) return null;
    const place: { country?: string; subdivision?: string; city?: number | string } = {};
    if (found[0]! >= 0) place.country = this.memo(this.countries, found[0]!, this.countryCode) as string | undefined;
    if (found[1]! >= 0) {
      const code = this.memo(this.subdivisions, found[1]!, this.subdivisionCode);
      if (code !== null) place.subdivision = code as string | undefined;
    }
    if (found[2]! >= 0) place.city = this.scalarAt(this.valueOf(found[2]!, GEONAME_ID)); // its first key, and often inline
    return place;
  }

  private readonly countryCode = (at: number) => this.scalarAt(this.valueOf(at, ISO_CODE));
  private readonly subdivisionCode = (at: number) =>
    this.header(at).type === ARRAY && this.h.size > 0 ? this.scalarAt(this.valueOf(this.h.payload, ISO_CODE)) : null;

  /**
   * `read(at)` for the value at `at`, cached under the offset it resolves to: what is read depends
   * only on the bytes there, and a pointer's target is shared by every record pointing at it.
   */
  private memo<T>(cache: Map<number, T>, at: number, read: (at: number) => T): T {
    const key = this.resolved(at);
    let value = cache.get(key);
    if (value === undefined && !cache.has(key)) {
      value = read(at);
      if (cache.size >= MEMO_LIMIT) cache.clear();
      cache.set(key, value);
    }
    return value as T;
  }
}
