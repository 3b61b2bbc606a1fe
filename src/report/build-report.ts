/**
 * Reads the host records of a store (read-only: no lock, nothing written) and builds the report.
 * A corrupt `.dat` or row is the store's StoreFormatError naming the file or row.
 */
import { UsageError } from '../errors.js';
import type { HostRecord } from '../storage/records.js';
import type { StoreReader } from '../storage/store-reader.js';
import { loadLocationNames } from './locations-csv.js';
import { PlaceNames } from './place-names.js';
import { hostReport, placesIn, type MonthRange, type Report } from './report-model.js';

export interface ReportOptions extends MonthRange {
  /** The statistics: a data dir's files or Prosody's SQL storage. */
  readonly store: StoreReader;
  /** Only these hosts (all when empty). */
  readonly hosts: readonly string[];
  /** 0 or 1: nothing hidden */
  readonly minCount: number;
  /** A GeoLite2 City locations CSV for city and subdivision names. */
  readonly locationsFile?: string;
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
  const names = new PlaceNames(opts.locationsFile === undefined ? undefined : loadLocationNames(opts.locationsFile, placesIn(records.values())));
  return {
    minCount: opts.minCount > 1 ? opts.minCount : null,
    hosts: chosen.map((h) => hostReport(h, records.get(h)!, opts, opts.minCount, names)),
  };
}
