import fs from 'node:fs';
import path from 'node:path';
import type { StatsStore } from '../../pipeline/stats-store.js';
import type { BatchWrite } from '../journal.js';
import { removeFileNoFollow, writeFileAtomic } from '../atomic-write.js';
import { openPostgres } from './pg-connection.js';
import { openSqlite } from './sqlite-connection.js';
import type { SqlConnection, SqlOptions } from './sql-connection.js';
import { SqlStats, sqlUnsupported } from './sql-stats.js';

export function openSqlConnection(options: SqlOptions, opts: { dryRun: boolean }): SqlConnection {
  if (options.driver === 'sqlite3') {
    // A dry run leaves no trace, not even an empty database file.
    const missing = opts.dryRun && !fs.existsSync(options.database);
    return openSqlite(missing ? ':memory:' : options.database, { label: options.database });
  }
  return openPostgres(options);
}

/**
 * StatsStore over Prosody's SQL storage. `extra` files (tail's checkpoint) are written after the
 * database commit: a crash between the two makes the next run re-read logins already counted,
 * which the per-user marks make harmless (SPEC §6).
 */
export function openSqlStatsStore(options: SqlOptions, opts: { dryRun: boolean }): StatsStore {
  const stats = new SqlStats(openSqlConnection(options, opts), { dryRun: opts.dryRun });
  return {
    view: {
      hostRecord: (host) => stats.readHostRecord(host),
      lastRecorded: (host, user) => stats.readLastRecorded(host, user),
      counted: (host, user, month, keys) => stats.noteCounted(host, user, month, keys),
    },
    get files(): never {
      return sqlUnsupported('this command');
    },
    commit: (changes, extra) => {
      const report = stats.commit(changes, { dryRun: opts.dryRun });
      if (!opts.dryRun) writeExtra(extra ?? []);
      return report;
    },
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
