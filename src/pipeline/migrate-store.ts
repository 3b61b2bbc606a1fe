import type { HostRecord } from '../core/monthly-tally.js';
import type { StoreReport } from '../cli/summary.js';
import { ProsodyFileStore } from '../storage/prosody-file-store.js';
import type { SqlOptions } from '../storage/sql/sql-connection.js';
import { openSqlConnection } from '../storage/sql/sql-stats-store.js';
import { SqlStats } from '../storage/sql/sql-stats.js';
import { openStatsStore } from './stats-store.js';

/** Where a store is: the data dir's files, or Prosody's SQL storage. */
export type StoreLocation = { kind: 'internal'; dataDir: string } | { kind: 'sql'; sql: SqlOptions };

/** What migrate reads from the source store. */
interface StoreSource {
  hosts(): string[];
  hostRecord(host: string): HostRecord;
  marks(host: string): Map<string, string>;
  close(): void;
}

function openSource(from: StoreLocation): StoreSource {
  if (from.kind === 'internal') {
    const files = new ProsodyFileStore(from.dataDir);
    return {
      hosts: () => files.listHosts(),
      hostRecord: (host) => files.readHostRecord(host),
      marks: (host) => new Map([...files.listUsers(host)].map((u) => [u.user, u.lastRecorded])),
      close: () => {},
    };
  }
  const stats = new SqlStats(openSqlConnection(from.sql, { dryRun: true }), { dryRun: true });
  return {
    hosts: () => stats.listHosts(),
    hostRecord: (host) => stats.readHostRecord(host),
    marks: (host) => stats.listMarks(host),
    close: () => stats.close(),
  };
}

export interface MigrateResult {
  readonly hosts: number;
  readonly months: number;
  readonly users: number;
  readonly store: StoreReport;
}

/**
 * Copies the statistics from one backend to the other in one batch (one transaction, or one
 * journal commit). The target keeps what the source does not have: the source's months replace the
 * target's months of the same name, and a user's mark becomes the later of the two.
 */
export function migrateStore(from: StoreLocation, to: StoreLocation, opts: { dryRun: boolean; wait?: boolean }): MigrateResult {
  const source = openSource(from);
  try {
    const target = to.kind === 'internal' ? openStatsStore(to.dataDir, opts) : openStatsStore('', { ...opts, sql: to.sql });
    try {
      const hosts = new Map<string, HostRecord>();
      const users = new Map<string, Map<string, string>>();
      let months = 0;
      let marked = 0;
      for (const host of source.hosts()) {
        const record = new Map(target.view.hostRecord(host));
        for (const [month, counts] of source.hostRecord(host)) {
          record.set(month, new Map(counts));
          months++;
        }
        hosts.set(host, record);
        const byUser = new Map<string, string>();
        for (const [user, month] of source.marks(host)) {
          const stored = target.view.lastRecorded(host, user);
          byUser.set(user, stored !== undefined && stored > month ? stored : month);
          marked++;
        }
        users.set(host, byUser);
      }
      return { hosts: hosts.size, months, users: marked, store: target.commit({ hosts, users }) };
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}
