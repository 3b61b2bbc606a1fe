/**
 * One month of a host record split into the report's dimensions. The module's counters are
 * `client-<category>` and `geo-<country>-<subdivision>-<city>` (SPEC §2); every login that was
 * counted added one to each kind, so the client counts add up to the month's unique visitors and so
 * do the geo counts. Keys of other kinds (a future module version's) are ignored.
 */
import type { GeoPlaceKey } from './place-names.js';
import { CLIENTS_SEEN, forkPath, ISPS_SEEN, USERS_SEEN } from '../core/month-layout.js';

export const CLIENT_PREFIX = 'client-';
export const GEO_PREFIX = 'geo-';
export const UNKNOWN = '?';

export interface MonthCounters {
  /** Sum of the `client-*` counts: every counted login incremented exactly one of them. */
  readonly unique: number;
  readonly clients: Map<string, number>;
  /** country ISO code → count */
  readonly countries: Map<string, number>;
  /** `CC-SUB` → count */
  readonly subdivisions: Map<string, number>;
  /** `CC-SUB-CITY` (the geo key without `geo-`) → count */
  readonly cities: Map<string, number>;
  /** ISP (`AS<n>`, `?`) → count: only the ISP fork's layout has them (docs/fork-isp.md). */
  readonly isps: Map<string, number>;
}

/**
 * The three parts of a geo key. Country codes and subdivision codes hold no `-`, geoname ids are
 * numbers, so the first and the last `-` separate them; a key with fewer parts (not written by the
 * module) is read as a country with unknown subdivision and city.
 */
export function splitGeoKey(key: string): GeoPlaceKey {
  const first = key.indexOf('-');
  const last = key.lastIndexOf('-');
  if (first < 0 || first === last) return { country: key === '' ? UNKNOWN : key, subdivision: UNKNOWN, city: UNKNOWN };
  return { country: key.slice(0, first), subdivision: key.slice(first + 1, last), city: key.slice(last + 1) };
}

export const subdivisionKey = (p: GeoPlaceKey): string => `${p.country}-${p.subdivision}`;
export const cityKey = (p: GeoPlaceKey): string => `${p.country}-${p.subdivision}-${p.city}`;

/**
 * The fork's counters: a geo key's `users_seen` are its unique users (summed into the month's and
 * the places'); clients and ISPs are summed over the geo keys. Other fields are ignored.
 */
function addForkCounter(out: MonthCounters & { unique: number }, path: NonNullable<ReturnType<typeof forkPath>>, n: number): void {
  if (path.field === USERS_SEEN && path.name === null) {
    out.unique += n;
    const place = splitGeoKey(path.geo);
    add(out.countries, place.country, n);
    add(out.subdivisions, subdivisionKey(place), n);
    add(out.cities, cityKey(place), n);
  } else if (path.field === CLIENTS_SEEN && path.name !== null) {
    add(out.clients, path.name, n);
  } else if (path.field === ISPS_SEEN && path.name !== null) {
    add(out.isps, path.name, n);
  }
}

function add(m: Map<string, number>, key: string, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

export function monthCounters(counts: ReadonlyMap<string, number>): MonthCounters {
  const out = { unique: 0, clients: new Map(), countries: new Map(), subdivisions: new Map(), cities: new Map(), isps: new Map() };
  for (const [key, n] of counts) {
    if (n === 0) continue; // a key nobody was counted under says nothing (and a reader of the report assumes ≥ 1)
    const fork = forkPath(key);
    if (fork !== null) {
      addForkCounter(out, fork, n);
    } else if (key.startsWith(CLIENT_PREFIX)) {
      add(out.clients, key.slice(CLIENT_PREFIX.length), n);
      out.unique += n;
    } else if (key.startsWith(GEO_PREFIX)) {
      const place = splitGeoKey(key.slice(GEO_PREFIX.length));
      add(out.countries, place.country, n);
      add(out.subdivisions, subdivisionKey(place), n);
      add(out.cities, cityKey(place), n);
    }
  }
  return out;
}
