import type Database from 'better-sqlite3';
import { StoreIoError } from '../../errors.js';
import { loadDriver } from './driver.js';
import type { Row, SqlConnection } from './sql-connection.js';

/**
 * SQLite through better-sqlite3. Concurrent writers wait up to `busyMs` for the database lock.
 * `readOnly`: for readers (report, check), which must neither create nor change the file.
 */
export function openSqlite(file: string, opts: { label?: string; busyMs?: number; readOnly?: boolean } = {}): SqlConnection {
  // Loaded here, not at start-up: a cron run on the internal store must not pay for the driver.
  const SqliteDatabase = loadDriver<typeof Database>('better-sqlite3');
  let db: Database.Database;
  try {
    db = new SqliteDatabase(file, { timeout: opts.busyMs ?? 60_000, readonly: opts.readOnly ?? false });
  } catch (err) {
    throw new StoreIoError(`${file}: cannot open the SQLite database: ${(err as Error).message}`);
  }
  const label = `sqlite3:${opts.label ?? file}`;
  return {
    dialect: 'sqlite',
    label,
    query(sql, params = []) {
      try {
        const stmt = db.prepare(sql);
        if (stmt.reader) return stmt.all(...params) as Row[];
        stmt.run(...params);
        return [];
      } catch (err) {
        throw new StoreIoError(`${label}: ${(err as Error).message}`);
      }
    },
    close: () => db.close(),
  };
}
