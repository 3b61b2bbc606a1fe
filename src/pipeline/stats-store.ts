import type { StatsView } from '../core/monthly-tally.js';
import type { StoreReport } from '../cli/summary.js';
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { ProsodyFileStore, type StoreChanges } from '../storage/prosody-file-store.js';
import { acquireLock } from '../storage/lock.js';
import { recoverJournal, type BatchWrite } from '../storage/journal.js';
import { NEW_DIR_MODE, ioError } from '../storage/atomic-write.js';
import { isStorableName } from '../storage/prosody-paths.js';
import { openSqlStatsStore } from '../storage/sql/sql-stats-store.js';
import type { SqlOptions } from '../storage/sql/sql-connection.js';

/** The statistics of one data dir for one run: locked, recovered, read lazily, committed at once. */
export interface StatsStore {
  readonly view: StatsView;
  /** The files themselves, for commands that list hosts and users (prune). */
  readonly files: ProsodyFileStore;
  /**
   * Writes the changes (nothing in a dry run) and reports what was or would be written. `extra`
   * files (a checkpoint) are committed in the same crash-safe batch.
   */
  commit(changes: StoreChanges, extra?: readonly BatchWrite[]): StoreReport;
  close(): void;
}

/**
 * Opens a data dir for counting. A real run first checks the dir is writable, takes the lock and
 * finishes a commit a crashed run left in its journal; a dry run only reads. With `sql` the
 * statistics are in Prosody's SQL storage instead (storage/sql), and `dataDir` is not used.
 */
export function openStatsStore(dataDir: string, options: { dryRun: boolean; wait?: boolean; sql?: SqlOptions }): StatsStore {
  if (options.sql !== undefined) return openSqlStatsStore(options.sql, { dryRun: options.dryRun });
  const store = new ProsodyFileStore(dataDir);
  let release = () => {};
  if (!options.dryRun) {
    store.checkWritable();
    const created = createDataDir(dataDir);
    const lock = acquireLock(dataDir, { wait: options.wait ?? false });
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
  };
  return {
    view,
    files: store,
    commit: (changes, extra) => {
      // Counts only: the file list names users, and summaries must not.
      const { written, unchanged, deleted } = store.commit(changes, { dryRun: options.dryRun, extra });
      return { written, unchanged, deleted };
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
