import type { SqlConnection } from './sql-connection.js';
import { SQL_STORE } from './prosody-sql-schema.js';

/**
 * Many rows per statement: a batch, backfill or prune touches one mark row per user, and one
 * statement per row cost a round trip each (about 0.25 ms on PostgreSQL, 20,000 users → seconds). 500 rows of
 * 6 values stay far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
 */
const ROWS_PER_STATEMENT = 500;

/** The `key` rows (user, type, value) of each of `users` of a host. */
export function selectUserRows(conn: SqlConnection, host: string, key: string, users: readonly string[]): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  inChunks(users, (chunk) => {
    rows.push(...conn.query(`SELECT "user", "type", "value" FROM "prosody" WHERE "host" = ? AND "store" = ? AND "key" = ? AND "user" IN (${userList(chunk)})`, [host, SQL_STORE, key, ...chunk]));
  });
  return rows;
}

/** Deletes the `key` row of each of `users` of a host (all duplicates, as a single-row delete did). */
export function deleteUserRows(conn: SqlConnection, host: string, key: string, users: readonly string[]): void {
  inChunks(users, (chunk) => {
    conn.query(`DELETE FROM "prosody" WHERE "host" = ? AND "store" = ? AND "key" = ? AND "user" IN (${userList(chunk)})`, [host, SQL_STORE, key, ...chunk]);
  });
}

/** Inserts rows of our store: [host, user, key, type, value] each. */
export function insertRows(conn: SqlConnection, rows: ReadonlyArray<readonly [string, string, string, string, string]>): void {
  inChunks(rows, (chunk) => {
    conn.query(
      `INSERT INTO "prosody" ("host", "user", "store", "key", "type", "value") VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap(([host, user, key, type, value]) => [host, user, SQL_STORE, key, type, value]),
    );
  });
}

/** Replaces a row: deletes any with its host, user and key (duplicates too), then inserts it. */
export function replaceRow(conn: SqlConnection, row: readonly [string, string, string, string, string]): void {
  deleteUserRows(conn, row[0], row[2], [row[1]]);
  insertRows(conn, [row]);
}

/** Calls `each` with consecutive slices of at most ROWS_PER_STATEMENT items. */
function inChunks<T>(items: readonly T[], each: (chunk: readonly T[]) => void): void {
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) each(items.slice(i, i + ROWS_PER_STATEMENT));
}

function userList(chunk: readonly string[]): string {
  return chunk.map(() => '?').join(', ');
}
