import { planPrune, type HostPrune } from '../core/prune-plan.js';
import type { StoreReport } from '../cli/summary.js';
import type { StoreLocation } from '../storage/store-reader.js';
import { openStatsStore } from './stats-store.js';

export interface PruneResult {
  readonly hosts: readonly HostPrune[];
  readonly store: StoreReport;
}

/**
 * Deletes months older than `oldestKept` from every host record of a store and the marks of users
 * last counted before it, as one step: internal — one journal batch, holding the data dir's lock
 * from the first read to the commit; SQL — one transaction holding every host's lock, so a tail
 * that marks a user meanwhile either commits before prune reads (the mark is new: kept) or waits.
 * A dry run writes nothing.
 */
export function pruneStore(location: StoreLocation, opts: { oldestKept: string; dryRun: boolean; wait: boolean; onWait?: (holderPid: number | undefined) => void }): PruneResult {
  const stats = openStatsStore(location.kind === 'internal' ? location.dataDir : '', {
    dryRun: opts.dryRun,
    wait: opts.wait,
    onWait: opts.onWait,
    sql: location.kind === 'sql' ? location.sql : undefined,
    mustExist: true,
  });
  try {
    const { result, store } = stats.update('all', (reader) => {
      const stored = reader.hosts().map((host) => ({ host, record: reader.hostRecord(host), users: reader.marks(host) }));
      const plan = planPrune(stored, opts.oldestKept);
      return { changes: plan.changes, result: plan.hosts };
    });
    return { hosts: result, store };
  } finally {
    stats.close();
  }
}
