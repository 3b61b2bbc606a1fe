import fs from 'node:fs';
import path from 'node:path';
import type { StatsStore } from '../../pipeline/stats-store.js';
import type { BatchWrite } from '../journal.js';
import { removeFileNoFollow, writeFileAtomic } from '../atomic-write.js';
import { openPostgres } from './pg-connection.js';
import { openSqlite } from './sqlite-connection.js';
import type { SqlConnection, SqlOptions } from './sql-connection.js';
import { SqlStats } from './sql-stats.js';
import { sqlStoreReader } from './sql-store-reader.js';
import { StoreIoError } from '../../errors.js';

/**
 * Connects. `mustExist` (report, check, prune, a migrate source; implied by `readOnly`): a missing
 * SQLite file is an error, not an empty database made on the spot.
 */
export function openSqlConnection(options: SqlOptions, opts: { dryRun: boolean; mustExist?: boolean; readOnly?: boolean }): SqlConnection {
  if (options.driver === 'sqlite3') {
    const exists = fs.existsSync(options.database);
    if ((opts.mustExist || opts.readOnly) && !exists) throw new StoreIoError(`${options.database}: no such SQLite database`);
    // A dry run leaves no trace, not even an empty database file.
    const missing = opts.dryRun && !exists;
    return openSqlite(missing ? ':memory:' : options.database, { label: options.database, readOnly: opts.readOnly });
  }
  return openPostgres(options);
}

/**
 * StatsStore over Prosody's SQL storage. `extra` files (tail's checkpoint) are written after the
 * database commit: a crash between the two makes the next run re-read logins already counted,
 * which the per-user marks make harmless (SPEC §6).
 */
export function openSqlStatsStore(options: SqlOptions, opts: { dryRun: boolean; mustExist?: boolean }): StatsStore {
  const stats = new SqlStats(openSqlConnection(options, opts), { dryRun: opts.dryRun || Boolean(opts.mustExist) });
  return {
    view: {
      hostRecord: (host) => stats.readHostRecord(host),
      recordName: (host) => stats.recordName(host),
      lastRecorded: (host, user) => stats.readLastRecorded(host, user),
      counted: (host, user, month, keys) => stats.noteCounted(host, user, month, keys),
    },
    unit: 'rows',
    commit: (changes, extra, node) => {
      const report = stats.commit(changes, { dryRun: opts.dryRun, node: opts.dryRun ? undefined : node });
      if (!opts.dryRun) writeExtra(extra ?? []);
      return { ...report, unit: 'rows' };
    },
    update: (hosts, decide) => {
      const { result, report } = stats.transact(() => (hosts === 'all' ? stats.listHosts() : hosts), () => decide(sqlStoreReader(stats)), { dryRun: opts.dryRun });
      return { result, store: { ...report, unit: 'rows' } };
    },
    cluster: { nodes: () => stats.nodes(), forget: (name) => stats.forgetNode(name), add: (node) => stats.addNode(node) },
    close: () => stats.close(),
  };
}

function writeExtra(extra: readonly BatchWrite[]): void {
  for (const w of extra) {
    if (w.content === null) {
      removeFileNoFollow(w.path, { fsync: true });
    } else {
      fs.mkdirSync(path.dirname(w.path), { recursive: true });
      writeFileAtomic(w.path, w.content, { fsync: true });
    }
  }
}
