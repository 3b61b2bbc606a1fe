import type { HostRecord } from '../core/monthly-tally.js';
import type { StoreReport } from '../cli/summary.js';
import { assertOneLayout } from '../storage/records.js';
import type { StoreLocation } from '../storage/store-reader.js';
import { openStoreReader } from './open-store-reader.js';
import { openStatsStore } from './stats-store.js';

export type { StoreLocation } from '../storage/store-reader.js';

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
export function migrateStore(from: StoreLocation, to: StoreLocation, opts: { dryRun: boolean; wait?: boolean; onWait?: (holderPid: number | undefined) => void }): MigrateResult {
  const source = openStoreReader(from);
  try {
    const target = openStatsStore(to.kind === 'internal' ? to.dataDir : '', { ...opts, sql: to.kind === 'sql' ? to.sql : undefined });
    try {
      const { result, store } = target.update(source.hosts(), (stored) => {
        const hosts = new Map<string, HostRecord>();
        const users = new Map<string, Map<string, string>>();
        let months = 0;
        let marked = 0;
        for (const host of source.hosts()) {
          const record = new Map(stored.hostRecord(host));
          for (const [month, counts] of source.hostRecord(host)) {
            record.set(month, new Map(counts));
            months++;
          }
          // The source's months over the target's: both must be of one layout.
          assertOneLayout(record, target.view.recordName?.(host) ?? `host ${JSON.stringify(host)}`);
          hosts.set(host, record);
          const byUser = new Map<string, string>();
          for (const { user, lastRecorded } of source.marks(host)) {
            const mark = stored.lastRecorded(host, user);
            byUser.set(user, mark !== undefined && mark > lastRecorded ? mark : lastRecorded);
            marked++;
          }
          users.set(host, byUser);
        }
        return { changes: { hosts, users }, result: { hosts: hosts.size, months, users: marked } };
      });
      return { ...result, store };
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}
