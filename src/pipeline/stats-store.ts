import type { StatsView } from '../core/monthly-tally.js';
import type { NodeWatermark } from '../core/month-barrier.js';
import type { StoreReport } from '../cli/summary.js';
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { ProsodyFileStore, type StoreChanges } from '../storage/prosody-file-store.js';
import { acquireLock } from '../storage/lock.js';
import { recoverJournal, type BatchWrite } from '../storage/journal.js';
import { NEW_DIR_MODE, ioError } from '../storage/atomic-write.js';
import { StoreIoError } from '../errors.js';
import { hostRecordPath, isStorableName } from '../storage/prosody-paths.js';
import { checkDataDir } from './preflight.js';
import { fileStoreReader, type StoreReader } from '../storage/store-reader.js';
import { openSqlStatsStore } from '../storage/sql/sql-stats-store.js';
import type { SqlOptions } from '../storage/sql/sql-connection.js';

/** The nodes of a shared store (core/month-barrier.ts), as committed now. */
export interface ClusterNodes {
  nodes(): NodeWatermark[];
  forget(name: string): boolean;
  /** Registers a node not known yet (watermark 0: nothing counted); false if it is known. */
  add(node: NodeWatermark): boolean;
}

/** What a read-decide-write step returns: the changes to commit, and what to tell the caller. */
export type Decision<T> = (store: StoreReader) => { changes: StoreChanges; result: T };

/** The statistics of one data dir for one run: locked, recovered, read lazily, committed at once. */
export interface StatsStore {
  readonly view: StatsView;
  /** What the store's reports count: files (internal) or rows (SQL). */
  readonly unit: StoreReport['unit'];
  /**
   * Writes the changes (nothing in a dry run) and reports what was or would be written. `extra`
   * files (a checkpoint) are committed in the same crash-safe batch; `node` (a shared SQL store):
   * this node's watermark, written in the batch's transaction.
   */
  commit(changes: StoreChanges, extra?: readonly BatchWrite[], node?: NodeWatermark): StoreReport;
  /** A store several nodes count into (SQL): their watermarks. Absent for `internal` (one node). */
  readonly cluster?: ClusterNodes;
  /**
   * Reads what is stored, decides, and commits, with no other run's commit to these hosts in
   * between (`all`: every host of the store): `internal` holds the data dir's lock for the whole
   * run anyway; SQL does it all in one transaction holding the hosts' locks (storage/sql), so a
   * backfill or prune next to running tails loses none of their counts.
   */
  update<T>(hosts: readonly string[] | 'all', decide: Decision<T>): { result: T; store: StoreReport };
  close(): void;
}

/**
 * Opens a data dir for counting. A real run first checks the dir is writable, takes the lock and
 * finishes a commit a crashed run left in its journal; a dry run only reads. With `sql` the
 * statistics are in Prosody's SQL storage instead (storage/sql), and `dataDir` is not used.
 * `mustExist`: a missing data dir or SQLite file is an error (prune), not a store to create.
 */
export function openStatsStore(
  dataDir: string,
  options: { dryRun: boolean; wait?: boolean; onWait?: (holderPid: number | undefined) => void; sql?: SqlOptions; mustExist?: boolean },
): StatsStore {
  if (options.sql !== undefined) return openSqlStatsStore(options.sql, { dryRun: options.dryRun, mustExist: options.mustExist });
  // Unlike a counting run, prune has nothing to write into a data dir that does not exist.
  if (options.mustExist) checkDataDir(dataDir, 'read');
  const store = new ProsodyFileStore(dataDir);
  let release = () => {};
  if (!options.dryRun) {
    store.checkWritable();
    const created = createDataDir(dataDir);
    const lock = acquireLock(dataDir, { wait: options.wait ?? false, onWait: options.onWait });
    release = () => {
      lock.release();
      // A run that wrote nothing leaves no trace, not even the folder it made.
      if (created) rmdirIfEmpty(dataDir);
    };
    try {
      recoverJournal(dataDir);
    } catch (err) {
      release();
      throw err;
    }
  }
  const view: StatsView = {
    hostRecord: (host) => store.readHostRecord(host),
    lastRecorded: (host, user) => store.readLastRecorded(host, user),
    storable: isStorableName,
    recordName: (host) => hostRecordPath(dataDir, host),
  };
  const commit = (changes: StoreChanges, extra?: readonly BatchWrite[]): StoreReport => {
    // Counts only: the file list names users, and summaries must not.
    const { written, unchanged, deleted } = store.commit(changes, { dryRun: options.dryRun, extra });
    return { written, unchanged, deleted, unit: 'files' };
  };
  return {
    view,
    unit: 'files',
    commit,
    update: (_hosts, decide) => {
      const { changes, result } = decide(fileStoreReader(store));
      return { result, store: commit(changes) };
    },
    close: release,
  };
}

/** A new data dir gets what Prosody's umask 027 gives its folders. True if it was made now. */
function createDataDir(dataDir: string): boolean {
  if (existsSync(dataDir)) return false;
  try {
    mkdirSync(dataDir, { recursive: true, mode: NEW_DIR_MODE });
    return true;
  } catch (err) {
    throw ioError(dataDir, 'create the data dir', err);
  }
}

function rmdirIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // best effort: an empty folder is harmless
  }
}
