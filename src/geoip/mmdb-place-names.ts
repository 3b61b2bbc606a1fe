import { ARRAY } from './mmdb-format.js';
import { MmdbFields } from './mmdb-fields.js';

const CITY = Buffer.from('city');
const COUNTRY = Buffer.from('country');
const SUBDIVISIONS = Buffer.from('subdivisions');
const GEONAME_ID = Buffer.from('geoname_id');
const ISO_CODE = Buffer.from('iso_code');
const NAMES = Buffer.from('names');
const ENGLISH = Buffer.from('en');

/** The places a report shows: city GeoNames ids, and `CC-SUB` subdivision keys. */
export interface PlacesToName {
  readonly cities: ReadonlySet<string>;
  readonly subdivisions: ReadonlySet<string>;
}

export interface PlaceNamesFound {
  /** GeoNames id → city name */
  readonly cities: Map<string, string>;
  /** `CC-SUB` → subdivision name */
  readonly subdivisions: Map<string, string>;
  /** Data records visited (each once, however many networks share it). */
  readonly records: number;
}

/**
 * Names of cities and subdivisions, found in a City database itself: an .mmdb cannot be searched
 * by GeoNames id, but every record hangs under the search tree, so one pass over the tree's nodes
 * finds every record once (a bitmap over the data section marks those already seen; thousands of
 * networks share a record) and only the wanted places' names are decoded. `language` falls back to
 * English, as MaxMind's own clients do, when a record has no name in it.
 */
export class MmdbPlaceNames extends MmdbFields {
  find(wanted: PlacesToName, language: string): PlaceNamesFound {
    const cities = new Map<string, string>();
    const subdivisions = new Map<string, string>();
    const lang = Buffer.from(language);
    const wantMore = () => cities.size < wanted.cities.size || subdivisions.size < wanted.subdivisions.size;
    const records = this.eachRecord((record) => this.nameRecord(record, wanted, lang, cities, subdivisions), wantMore);
    return { cities, subdivisions, records };
  }

  private nameRecord(record: number, wanted: PlacesToName, lang: Buffer, cities: Map<string, string>, subdivisions: Map<string, string>): void {
    const city = this.valueOf(record, CITY);
    if (city >= 0) {
      const id = this.scalarAt(this.valueOf(city, GEONAME_ID));
      const key = id === undefined ? undefined : String(id);
      if (key !== undefined && wanted.cities.has(key) && !cities.has(key)) {
        const name = this.nameIn(city, lang);
        if (name !== undefined) cities.set(key, name);
      }
    }
    const subs = this.valueOf(record, SUBDIVISIONS);
    if (subs < 0 || this.header(subs).type !== ARRAY || this.h.size === 0) return;
    const first = this.h.payload;
    const country = this.scalarAt(this.valueOf(this.valueOf(record, COUNTRY), ISO_CODE));
    const code = this.scalarAt(this.valueOf(first, ISO_CODE));
    if (typeof country !== 'string' || typeof code !== 'string') return;
    const key = `${country}-${code}`;
    if (wanted.subdivisions.has(key) && !subdivisions.has(key)) {
      const name = this.nameIn(first, lang);
      if (name !== undefined) subdivisions.set(key, name);
    }
  }

  /** `names[lang]` of the map at `offset`, else `names.en`. */
  private nameIn(offset: number, lang: Buffer): string | undefined {
    const names = this.valueOf(offset, NAMES);
    const name = this.scalarAt(this.valueOf(names, lang)) ?? this.scalarAt(this.valueOf(names, ENGLISH));
    return typeof name === 'string' ? name : undefined;
  }
}
