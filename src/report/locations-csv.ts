/**
 * City and subdivision names from MaxMind's GeoLite2/GeoIP2 City locations file
 * (`GeoLite2-City-Locations-en.csv`: geoname_id, locale_code, continent_code, continent_name,
 * country_iso_code, country_name, subdivision_1_iso_code, subdivision_1_name, …, city_name, …).
 * Only the names of the places a report needs are kept, so a 12 MB file costs little memory.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';
import { CsvSyntaxError, readCsv } from './csv-reader.js';
import type { LocationNames } from './place-names.js';

const REQUIRED = ['geoname_id', 'city_name'] as const;

export interface WantedPlaces {
  /** geoname ids of cities */
  readonly cities: ReadonlySet<string>;
  /** `CC-SUB` keys */
  readonly subdivisions: ReadonlySet<string>;
}

export function loadLocationNames(file: string, wanted: WantedPlaces): LocationNames {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the locations file: ${describeFsError(err)}`);
  }
  const cities = new Map<string, string>();
  const subdivisions = new Map<string, string>();
  let col: Record<string, number> | undefined;
  try {
    readCsv(text, (fields) => {
      if (col === undefined) {
        col = Object.fromEntries(fields.map((name, i) => [name.trim(), i]));
        const missing = REQUIRED.filter((c) => col![c] === undefined);
        if (missing.length > 0) {
          throw new ConfigError(`${file}: not a GeoLite2 City locations file: no column ${missing.join(', ')} in the first line`);
        }
        return;
      }
      const id = fields[col.geoname_id!] ?? '';
      const city = fields[col.city_name!] ?? '';
      if (city !== '' && wanted.cities.has(id)) cities.set(id, city);
      const cc = fields[col.country_iso_code ?? -1];
      const sub = fields[col.subdivision_1_iso_code ?? -1];
      const subName = fields[col.subdivision_1_name ?? -1];
      if (cc && sub && subName && wanted.subdivisions.has(`${cc}-${sub}`)) subdivisions.set(`${cc}-${sub}`, subName);
    });
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ConfigError(`${file}: not a valid CSV file: ${err.message}`);
    throw err;
  }
  if (col === undefined) throw new ConfigError(`${file}: the locations file is empty`);
  return {
    city: (id) => cities.get(id),
    subdivision: (country, code) => subdivisions.get(`${country}-${code}`),
  };
}
