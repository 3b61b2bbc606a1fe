/**
 * PostgreSQL's transaction-scoped advisory locks as sql-stats.ts takes them: per host (shared, or
 * exclusive for a whole-host transaction), then per row, each in ascending key order so two
 * transactions never wait for each other in a circle. SQLite needs none (BEGIN IMMEDIATE).
 *
 * Row locks rather than SELECT … FOR UPDATE or ON CONFLICT: Prosody's index on the table is not
 * unique, so rows that do not exist yet cannot be locked or conflict. A tail batch takes its hosts'
 * locks *shared*, so many batches of one host run side by side, and then one lock per (host, user)
 * mark and per (host, month) row it touches; a batch that would need more row locks than
 * MAX_ROW_LOCKS_PER_HOST (PostgreSQL's lock table is small) takes its host exclusively instead.
 * A whole-host transaction (backfill, prune, migrate) takes its hosts exclusively.
 */
import type { StoreChanges } from '../prosody-file-store.js';
import type { SqlConnection } from './sql-connection.js';
import { HOST_USER, LAST_RECORDED_KEY } from './prosody-sql-schema.js';

/** Arbitrary constants: the first key of our advisory locks, so they do not meet other users'. */
export const ROW_LOCK_CLASS = 0x6d765f31; // "mv_1": rows (and table creation, key 0)
const HOST_LOCK_CLASS = 0x6d765f32; // "mv_2": hosts
/**
 * Advisory locks live in PostgreSQL's shared lock table, which holds about
 * max_locks_per_transaction (64) × max_connections entries for all sessions together; a batch that
 * would take more row locks than this for one host locks the whole host instead.
 */
const MAX_ROW_LOCKS_PER_HOST = 256;

/**
 * PostgreSQL: per host a shared lock, then one advisory lock per row this commit may touch, in
 * ascending order; a host with too many rows is locked exclusively instead of row by row.
 */
export function lockRows(conn: SqlConnection, changes: StoreChanges, storedMonths: (host: string) => Iterable<string>): void {
  if (conn.dialect !== 'pg') return; // SQLite: BEGIN IMMEDIATE holds the database's write lock
  const byHost = new Map<string, Set<number>>();
  const rowsOf = (host: string) => {
    let keys = byHost.get(host);
    if (keys === undefined) byHost.set(host, (keys = new Set()));
    return keys;
  };
  for (const [host, byUser] of changes.users) for (const user of byUser.keys()) rowsOf(host).add(lockKey(host, user, LAST_RECORDED_KEY));
  for (const [host, record] of changes.hosts) {
    const keys = rowsOf(host);
    for (const month of record.keys()) keys.add(lockKey(host, HOST_USER, month));
    for (const month of storedMonths(host)) keys.add(lockKey(host, HOST_USER, month));
  }
  const whole = [...byHost].map(([host, keys]) => [host, keys.size > MAX_ROW_LOCKS_PER_HOST] as [string, boolean]);
  lockHosts(conn, whole);
  const rows = new Set<number>();
  for (const [host, exclusive] of whole) if (!exclusive) for (const k of byHost.get(host)!) rows.add(k);
  for (const key of [...rows].sort((a, b) => a - b)) conn.query('SELECT pg_advisory_xact_lock(?, ?)', [ROW_LOCK_CLASS, key]);
}

/** PostgreSQL: each host's lock, exclusive or shared, in ascending key order (before any row lock). */
export function lockHosts(conn: SqlConnection, hosts: ReadonlyArray<[host: string, exclusive: boolean]>): void {
  if (conn.dialect !== 'pg') return;
  const modes = new Map<number, boolean>();
  for (const [host, exclusive] of hosts) {
    const key = lockKey(host, HOST_USER, '');
    modes.set(key, exclusive || (modes.get(key) ?? false));
  }
  for (const key of [...modes.keys()].sort((a, b) => a - b)) {
    conn.query(modes.get(key) ? 'SELECT pg_advisory_xact_lock(?, ?)' : 'SELECT pg_advisory_xact_lock_shared(?, ?)', [HOST_LOCK_CLASS, key]);
  }
}

/** A 32-bit key for (host, user, key) rows; a collision only makes two rows share a lock. */
function lockKey(host: string, user: string, key: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(`${host}\0${user}\0${key}`, 'utf8')) h = Math.imul(h ^ b, 0x01000193);
  return h | 0;
}
