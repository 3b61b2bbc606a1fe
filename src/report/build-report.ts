/**
 * Reads the host records of a data dir (read-only: no lock, nothing written) and builds the report.
 * A corrupt `.dat` is the store's StoreFormatError naming the file.
 */
import { StoreIoError, UsageError } from '../errors.js';
import { isDir } from '../storage/fs-util.js';
import { ProsodyFileStore, type HostRecord } from '../storage/prosody-file-store.js';
import { loadLocationNames } from './locations-csv.js';
import { PlaceNames } from './place-names.js';
import { hostReport, placesIn, type MonthRange, type Report } from './report-model.js';

export interface ReportOptions extends MonthRange {
  readonly dataDir: string;
  /** Only these hosts (all when empty). */
  readonly hosts: readonly string[];
  /** 0 or 1: nothing hidden */
  readonly minCount: number;
  /** A GeoLite2 City locations CSV for city and subdivision names. */
  readonly locationsFile?: string;
}

export function buildReport(opts: ReportOptions): Report {
  if (!isDir(opts.dataDir)) throw new StoreIoError(`${opts.dataDir}: no such data directory`);
  const store = new ProsodyFileStore(opts.dataDir);
  const present = store.listHosts();
  for (const h of opts.hosts) {
    if (!present.includes(h)) {
      throw new UsageError(`--host ${h}: no statistics for this host in ${opts.dataDir} (hosts there: ${present.join(', ') || 'none'})`);
    }
  }
  const chosen = opts.hosts.length > 0 ? present.filter((h) => opts.hosts.includes(h)) : present;
  // Every record is read (and checked) before anything is printed.
  const records = new Map<string, HostRecord>(chosen.map((h) => [h, store.readHostRecord(h)]));
  const names = new PlaceNames(opts.locationsFile === undefined ? undefined : loadLocationNames(opts.locationsFile, placesIn(records.values())));
  return {
    minCount: opts.minCount > 1 ? opts.minCount : null,
    hosts: chosen.map((h) => hostReport(h, records.get(h)!, opts, opts.minCount, names)),
  };
}
