/**
 * Reads mod_monthly_visitors' rows of Prosody's SQL table with clients other than ours
 * (better-sqlite3 directly, `psql` for PostgreSQL) into the shape readStoreWithLua gives, so a
 * SQL store can be compared with the module's own .dat files.
 */
import Database from 'better-sqlite3';
import type { StoreJson } from './lua-dat-reader.js';
import type { PgCluster } from './pg-cluster.js';

interface RawRow {
  host: string;
  user: string;
  store: string;
  key: string;
  type: string;
  value: string;
}

export function rowsToStore(rows: readonly RawRow[]): StoreJson {
  const out: StoreJson = {};
  for (const r of rows) {
    if (r.store !== 'monthly-visitors') continue;
    const h = (out[r.host] ??= { last_recorded: {}, months: {} });
    if (r.user === '') {
      if (r.type !== 'json') throw new Error(`host row ${r.key} has type ${r.type}`);
      h.months[r.key] = JSON.parse(r.value);
    } else {
      if (r.key !== 'last-recorded' || r.type !== 'string') throw new Error(`user row ${r.key} has type ${r.type}`);
      h.last_recorded[r.user] = r.value;
    }
  }
  return out;
}

export function readSqliteStore(file: string): StoreJson {
  const db = new Database(file, { readonly: true });
  try {
    return rowsToStore(db.prepare('SELECT * FROM prosody').all() as RawRow[]);
  } finally {
    db.close();
  }
}

export function readPgStore(pg: PgCluster, database: string): StoreJson {
  const json = pg.psql(database, `SELECT coalesce(json_agg(p), '[]') FROM prosody p`);
  return rowsToStore(JSON.parse(json) as RawRow[]);
}
