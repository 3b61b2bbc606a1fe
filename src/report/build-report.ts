/**
 * Reads the host records of a store (read-only: no lock, nothing written) and builds the report.
 * A corrupt `.dat` or row is the store's StoreFormatError naming the file or row.
 */
import { UsageError } from '../errors.js';
import type { HostRecord } from '../storage/records.js';
import type { StoreReader } from '../storage/store-reader.js';
import { loadLocationNames } from './locations-csv.js';
import { PlaceNames, type LocationNames } from './place-names.js';
import type { PlacesToName } from '../geoip/mmdb-place-names.js';
import { asNumbersIn, hostReport, UNKNOWN_ISP_NAME, placesIn, type IspNames, type MonthRange, type Report } from './report-model.js';
import { UNKNOWN } from './counters.js';

export interface ReportOptions extends MonthRange {
  /** The statistics: a data dir's files or Prosody's SQL storage. */
  readonly store: StoreReader;
  /** Only these hosts (all when empty). */
  readonly hosts: readonly string[];
  /** 0 or 1: nothing hidden */
  readonly minCount: number;
  /** A GeoLite2 City locations CSV for city and subdivision names. */
  readonly locationsFile?: string;
  /** A City database for the names the locations file does not give. */
  readonly database?: PlaceNameDatabase;
  /** Language of the names (`en`, `de`, `pt-BR`…). */
  readonly language?: string;
  /** An ASN database for the names of the ISP fork's ISPs (docs/fork-isp.md). */
  readonly asnDatabase?: IspNameDatabase;
}

/** What an ASN database gives a report: the organisation of each AS number it shows. */
export interface IspNameDatabase {
  organizations(wanted: ReadonlySet<number>): Map<number, string>;
}

/** What a City database gives a report: names of the places it shows. */
export interface PlaceNameDatabase {
  readonly languages: readonly string[];
  placeNames(wanted: PlacesToName, language: string): { cities: Map<string, string>; subdivisions: Map<string, string> };
}

export function buildReport(opts: ReportOptions): Report {
  const store = opts.store;
  const present = store.hosts();
  for (const h of opts.hosts) {
    if (!present.includes(h)) {
      throw new UsageError(`--host ${h}: no statistics for this host in ${store.label} (hosts there: ${present.join(', ') || 'none'})`);
    }
  }
  const chosen = opts.hosts.length > 0 ? present.filter((h) => opts.hosts.includes(h)) : present;
  // Every record is read (and checked) before anything is printed.
  const records = new Map<string, HostRecord>(chosen.map((h) => [h, store.hostRecord(h)]));
  const wanted = placesIn(records.values());
  const language = opts.language ?? 'en';
  const sources: LocationNames[] = [];
  if (opts.locationsFile !== undefined) sources.push(loadLocationNames(opts.locationsFile, wanted));
  if (opts.database !== undefined) {
    const found = opts.database.placeNames(wanted, opts.database.languages.includes(language) ? language : 'en');
    sources.push({ city: (id) => found.cities.get(id), subdivision: (country, code) => found.subdivisions.get(`${country}-${code}`) });
  }
  const names = new PlaceNames(sources, language);
  const isps = ispNames(records.values(), opts.asnDatabase);
  return {
    minCount: opts.minCount > 1 ? opts.minCount : null,
    hosts: chosen.map((h) => hostReport(h, records.get(h)!, opts, opts.minCount, names, isps)),
  };
}

/** `AS3320` → the organisation's name when the ASN database has it, else the key; `?` → unknown ISP. */
function ispNames(records: Iterable<HostRecord>, db: IspNameDatabase | undefined): IspNames {
  const wanted = db === undefined ? new Set<number>() : asNumbersIn(records);
  const found = wanted.size === 0 ? new Map<number, string>() : db!.organizations(wanted);
  return (key) => (key === UNKNOWN ? UNKNOWN_ISP_NAME : /^AS\d+$/.test(key) ? found.get(Number(key.slice(2))) ?? key : key);
}
