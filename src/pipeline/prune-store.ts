import { existsSync } from 'node:fs';
import { planPrune, type HostPrune } from '../core/prune-plan.js';
import type { StoreReport } from '../cli/summary.js';
import { StoreIoError } from '../errors.js';
import { openStatsStore } from './stats-store.js';

export interface PruneResult {
  readonly hosts: readonly HostPrune[];
  readonly store: StoreReport;
}

/**
 * Deletes months older than `oldestKept` from every host record of a data dir and the marks of
 * users last counted before it, in one journal batch, holding the data dir's lock from the first
 * read to the commit (a dry run reads without locking and writes nothing).
 */
export function pruneStore(dataDir: string, opts: { oldestKept: string; dryRun: boolean; wait: boolean }): PruneResult {
  // Unlike a counting run, prune has nothing to write into a data dir that does not exist.
  if (!existsSync(dataDir)) throw new StoreIoError(`${dataDir}: no such data dir`);
  const stats = openStatsStore(dataDir, { dryRun: opts.dryRun, wait: opts.wait });
  try {
    const files = stats.files;
    const stored = files.listHosts().map((host) => ({ host, record: files.readHostRecord(host), users: files.listUsers(host) }));
    const plan = planPrune(stored, opts.oldestKept);
    return { hosts: plan.hosts, store: stats.commit(plan.changes) };
  } finally {
    stats.close();
  }
}
