/**
 * Read access to mod_monthly_visitors' statistics, whichever Prosody storage holds them: what
 * report, check, prune, backfill's merge and migrate read. `internal` (.dat files) is adapted here;
 * SQL in sql/sql-stats.ts.
 */
import type { HostRecord } from './records.js';
import type { ProsodyFileStore } from './prosody-file-store.js';
import type { SqlOptions } from './sql/sql-connection.js';

/** Where a store is: a data dir's files, or Prosody's SQL storage. */
export type StoreLocation = { readonly kind: 'internal'; readonly dataDir: string } | { readonly kind: 'sql'; readonly sql: SqlOptions };

export interface StoreReader {
  /** Where the store is, for messages (never a password). */
  readonly label: string;
  /** Hosts with statistics, sorted by code point. */
  hosts(): string[];
  /** A host's months; empty when it has none. Corrupt → StoreFormatError naming the file or row. */
  hostRecord(host: string): HostRecord;
  /** One user's last-recorded month. */
  lastRecorded(host: string, user: string): string | undefined;
  /** Every user of a host with a last-recorded month, sorted by code point. */
  marks(host: string): Iterable<{ readonly user: string; readonly lastRecorded: string }>;
}

export function fileStoreReader(files: ProsodyFileStore): StoreReader {
  return {
    label: files.dataDir,
    hosts: () => files.listHosts(),
    hostRecord: (host) => files.readHostRecord(host),
    lastRecorded: (host, user) => files.readLastRecorded(host, user),
    marks: (host) => files.listUsers(host),
  };
}

/** Sorts by Unicode code point (= UTF-8 byte order), not UTF-16 units: the same order on every backend. */
export function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
