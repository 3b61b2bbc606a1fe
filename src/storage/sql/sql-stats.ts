/**
 * mod_monthly_visitors' statistics in Prosody's SQL storage (layout: prosody-sql-schema.ts), with
 * the role ProsodyFileStore has for `internal`: reads cached per run, one commit per batch.
 *
 * Several processes (one `tail` per cluster node) may count into one database at once. What they
 * counted is committed as *deltas*, not as whole records: each login the tally counted is reported
 * through `noteCounted` (StatsView.counted) with the keys it incremented. A commit is one
 * transaction that
 * 1. locks its hosts (shared) and the rows it will touch (advisory-locks.ts; SQLite: BEGIN
 *    IMMEDIATE, the database's write lock);
 * 2. re-reads each counted user's `last-recorded`: a user another node has meanwhile marked with
 *    this month (or a later one) is dropped — the other node's login counted first — and the rest
 *    are marked;
 * 3. adds the kept users' increments to the freshly read month rows.
 * So whichever node *commits* a user's month first counts it; the others' logins are skipped.
 * Changes that were not counted by a tally (backfill's recomputed months) are written as given;
 * user marks are only ever raised.
 *
 * Backfill, prune and migrate decide on what is stored *now*: `transact` locks their hosts
 * exclusively and reads, decides and writes in one transaction, so no tail batch comes between.
 */
import { crashPoint } from '../../crash-points.js';
import type { HostRecord } from '../../core/monthly-tally.js';
import { assertOneLayout } from '../records.js';
import type { StoreChanges } from '../prosody-file-store.js';
import type { NodeWatermark } from '../../core/month-barrier.js';
import { SqlRetryableError } from './pg-connection.js';
import { forgetNode, readNodes, writeNode } from './node-rows.js';
import type { SqlConnection } from './sql-connection.js';
import { byCodePoint } from '../store-reader.js';
import { ROW_LOCK_CLASS, lockHosts, lockRows } from './advisory-locks.js';
import { addTo, monthDelta, sortedKeys } from './month-deltas.js';
import { deleteUserRows, insertRows, replaceRow, selectUserRows } from './row-batches.js';
import { HOST_USER, LAST_RECORDED_KEY, SQL_STORE, createTableSql, decodeLastRecorded, decodeMonth, describeRow, encodeMonth } from './prosody-sql-schema.js';

export interface SqlCommitResult {
  readonly written: number;
  readonly unchanged: number;
  readonly deleted: number;
}

interface HostEntry {
  record: HostRecord;
  /** month → the row's value as read (encoded our way), to tell what a backfill changed. */
  stored: Map<string, string>;
}

interface CountedLogin {
  readonly month: string;
  readonly keys: readonly string[];
}

const MAX_ATTEMPTS = 5;
/** Marks of one host read one query each before the rest of the host's marks are read at once. */
const MARKS_READ_ONE_BY_ONE = 256;

export class SqlStats {
  private readonly hosts = new Map<string, HostEntry>();
  private readonly marks = new Map<string, Map<string, string | undefined>>();
  /** Hosts whose stored marks were all read into `marks` (a user not there has none). */
  private readonly allMarksRead = new Set<string>();
  /** host → user → the logins counted since the last commit, in order. */
  private counted = new Map<string, Map<string, CountedLogin[]>>();
  /**
   * Inside `transact`: the hosts it holds exclusively, and their marks once read (one query per
   * host instead of one per user: other transactions of these hosts wait while this one runs).
   */
  private held: Map<string, Map<string, string> | null> | null = null;

  /** False in a dry run on a database Prosody has not set up: reads find nothing. */
  private tableExists: boolean;

  constructor(readonly conn: SqlConnection, opts: { dryRun: boolean }) {
    this.tableExists = this.hasTable();
    if (!opts.dryRun && !this.tableExists) {
      this.begin();
      try {
        // Nodes starting together: PostgreSQL's CREATE … IF NOT EXISTS is not safe against a
        // concurrent one (a unique violation in its catalog), so creators take turns.
        if (conn.dialect === 'pg') conn.query('SELECT pg_advisory_xact_lock(?, 0)', [ROW_LOCK_CLASS]);
        this.createTable();
        conn.query('COMMIT');
      } catch (err) {
        this.rollbackQuietly();
        throw err;
      }
      this.tableExists = true;
    }
  }

  private createTable(): void {
    for (const sql of createTableSql()) this.conn.query(sql);
  }

  private hasTable(): boolean {
    const sql = this.conn.dialect === 'sqlite' ? `SELECT 1 AS t FROM sqlite_master WHERE type = 'table' AND name = 'prosody'` : `SELECT 1 AS t WHERE to_regclass('prosody') IS NOT NULL`;
    return this.conn.query(sql).length > 0;
  }

  /** Reads rows; none while the table does not exist (dry run). */
  private select(sql: string, params: readonly unknown[]): Array<Record<string, unknown>> {
    return this.tableExists ? this.conn.query(sql, params) : [];
  }

  readHostRecord(host: string): HostRecord {
    let e = this.hosts.get(host);
    if (e === undefined) {
      e = this.loadHost(host);
      this.hosts.set(host, e);
    }
    return e.record;
  }

  readLastRecorded(host: string, user: string): string | undefined {
    let m = this.marks.get(host);
    if (m === undefined) this.marks.set(host, (m = new Map()));
    if (!m.has(user) && !this.allMarksRead.has(host) && m.size >= MARKS_READ_ONE_BY_ONE) {
      // A log with many users asks for each once: past a few hundred, one query for them all.
      for (const [u, mark] of this.listMarks(host)) if (!m.has(u)) m.set(u, mark);
      this.allMarksRead.add(host);
    }
    if (!m.has(user)) m.set(user, this.allMarksRead.has(host) ? undefined : this.selectMark(host, user));
    return m.get(user);
  }

  /** Hosts that have monthly-visitors rows, sorted by code point. */
  listHosts(): string[] {
    const rows = this.select('SELECT DISTINCT "host" FROM "prosody" WHERE "store" = ?', [SQL_STORE]);
    return rows.map((r) => String(r.host)).sort(byCodePoint);
  }

  /** The users of a host with a `last-recorded` mark (the latest, if rows repeat). */
  listMarks(host: string, users?: readonly string[]): Map<string, string> {
    const rows =
      users === undefined
        ? this.select('SELECT "user", "type", "value" FROM "prosody" WHERE "host" = ? AND "store" = ? AND "key" = ? AND "user" <> ?', [host, SQL_STORE, LAST_RECORDED_KEY, HOST_USER])
        : selectUserRows(this.conn, host, LAST_RECORDED_KEY, users);
    const marks = new Map<string, string>();
    for (const row of rows) {
      const m = decodeLastRecorded(String(row.type), String(row.value), describeRow(this.conn.label, host, '<user>', LAST_RECORDED_KEY));
      const user = String(row.user);
      if (!(marks.get(user)! >= m)) marks.set(user, m);
    }
    return marks;
  }

  /** The tally counted `user` in `month`, incrementing `keys` (StatsView.counted). */
  noteCounted(host: string, user: string, month: string, keys: readonly string[]): void {
    let users = this.counted.get(host);
    if (users === undefined) this.counted.set(host, (users = new Map()));
    const list = users.get(user);
    if (list === undefined) users.set(user, [{ month, keys }]);
    else list.push({ month, keys });
  }

  /**
   * Commits the batch in one transaction (rolled back in a dry run), retrying a deadlock or
   * serialization failure. `node`: the node's new watermark, written in the same transaction, so
   * it is never ahead of the counts it vouches for.
   */
  commit(changes: StoreChanges, opts: { dryRun: boolean; node?: NodeWatermark }): SqlCommitResult {
    for (let attempt = 1; ; attempt++) {
      this.begin();
      try {
        const result = this.apply(changes, { rowLocks: true });
        if (opts.node !== undefined) {
          if (!this.tableExists) this.createTable();
          writeNode(this.conn, opts.node);
        }
        if (!opts.dryRun) crashPoint('sql-rows-written');
        this.conn.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
        if (!opts.dryRun) crashPoint('sql-committed');
        this.afterCommit(changes, result.marks, opts.dryRun);
        return result.report;
      } catch (err) {
        this.rollbackQuietly();
        if (!(err instanceof SqlRetryableError) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * Reads, decides and writes in one transaction that holds every host `hostsOf` names (asked
   * inside the transaction) exclusively: `decide` reads through this object (readHostRecord,
   * readLastRecorded, listMarks…) what is committed now, and its changes may touch only those
   * hosts. Rolled back in a dry run; retried whole on a deadlock or serialization failure.
   */
  transact<T>(hostsOf: () => readonly string[], decide: () => { changes: StoreChanges; result: T }, opts: { dryRun: boolean }): { result: T; report: SqlCommitResult } {
    for (let attempt = 1; ; attempt++) {
      this.begin();
      try {
        const hosts = new Set(hostsOf());
        lockHosts(this.conn, [...hosts].map((h) => [h, true]));
        // What was read before the locks may be stale: read again, under them.
        this.hosts.clear();
        this.marks.clear();
        this.held = new Map([...hosts].map((h) => [h, null]));
        const { changes, result } = decide();
        for (const host of [...changes.hosts.keys(), ...changes.users.keys()]) {
          if (!hosts.has(host)) throw new Error(`internal: a change to host ${JSON.stringify(host)}, which this transaction did not lock`);
        }
        const applied = this.apply(changes, { rowLocks: false });
        crashPoint('sql-rows-written');
        this.conn.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
        crashPoint('sql-committed');
        this.afterCommit(changes, applied.marks, opts.dryRun);
        return { result, report: applied.report };
      } catch (err) {
        this.rollbackQuietly();
        this.hosts.clear();
        this.marks.clear();
        if (!(err instanceof SqlRetryableError) || attempt >= MAX_ATTEMPTS) throw err;
      } finally {
        this.held = null;
      }
    }
  }

  /** The cluster's nodes and their watermarks, as committed now (none before the table exists). */
  nodes(): NodeWatermark[] {
    return this.tableExists ? readNodes(this.conn) : [];
  }

  /** Removes a node's watermark (`nodes --forget`); true if it was there. */
  forgetNode(name: string): boolean {
    if (!this.tableExists) return false;
    return this.inTransaction(() => forgetNode(this.conn, name));
  }

  /** Registers a node the store does not know yet (`nodes --add`); false if it knows it. */
  addNode(node: NodeWatermark): boolean {
    if (!this.tableExists) this.createTable();
    this.tableExists = true;
    return this.inTransaction(() => {
      if (readNodes(this.conn).some((n) => n.name === node.name)) return false;
      writeNode(this.conn, node);
      return true;
    });
  }

  private inTransaction<T>(work: () => T): T {
    this.begin();
    try {
      const result = work();
      this.conn.query('COMMIT');
      return result;
    } catch (err) {
      this.rollbackQuietly();
      throw err;
    }
  }

  close(): void {
    this.conn.close();
  }

  private begin(): void {
    this.conn.query(this.conn.dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
  }

  private rollbackQuietly(): void {
    try {
      this.conn.query('ROLLBACK');
    } catch {
      // the transaction is gone already
    }
  }

  private apply(changes: StoreChanges, opts: { rowLocks: boolean }): { report: SqlCommitResult; marks: Map<string, Map<string, string | undefined>> } {
    const report = { written: 0, unchanged: 0, deleted: 0 };
    // A dry run on a new database: made inside the transaction, so rolled back with it.
    if (!this.tableExists && (changes.hosts.size > 0 || changes.users.size > 0)) this.createTable();
    if (opts.rowLocks) lockRows(this.conn, changes, (host) => this.hosts.get(host)?.stored.keys() ?? []);
    // host → month → increments of the users this commit keeps.
    const deltas = new Map<string, Map<string, Map<string, number>>>();
    const countedMonths = new Map<string, Set<string>>();
    const finalMarks = new Map<string, Map<string, string | undefined>>();

    for (const host of sortedKeys(changes.users)) {
      const byUser = changes.users.get(host)!;
      const finals = new Map<string, string | undefined>();
      finalMarks.set(host, finals);
      // Written after the loop, many rows per statement (row-batches.ts).
      const replaced: string[] = [];
      const inserted: Array<[string, string, string, string, string]> = [];
      const users = sortedKeys(byUser);
      // Read again under the locks just taken: another node may have marked them meanwhile.
      const storedMarks = this.held?.has(host) ? null : this.listMarks(host, users);
      for (const user of users) {
        const stored = storedMarks === null ? this.selectMark(host, user) : storedMarks.get(user);
        const logins = this.counted.get(host)?.get(user);
        let mark = stored;
        if (logins !== undefined) {
          for (const login of logins) {
            addTo(countedMonths, host, login.month);
            if (mark !== undefined && login.month <= mark) continue; // another node counted it first
            mark = login.month;
            const delta = monthDelta(deltas, host, login.month);
            for (const k of login.keys) delta.set(k, (delta.get(k) ?? 0) + 1);
          }
        } else {
          const given = byUser.get(user);
          mark = given === null || given === undefined ? undefined : stored !== undefined && stored > given ? stored : given;
        }
        finals.set(user, mark);
        if (mark === stored) report.unchanged++;
        else if (mark === undefined) {
          replaced.push(user);
          report.deleted++;
        } else {
          replaced.push(user);
          inserted.push([host, user, LAST_RECORDED_KEY, 'string', mark]);
          report.written++;
        }
      }
      deleteUserRows(this.conn, host, LAST_RECORDED_KEY, replaced);
      insertRows(this.conn, inserted);
    }

    for (const host of sortedKeys(changes.hosts)) {
      const record = changes.hosts.get(host)!;
      const entry = this.hosts.get(host);
      const months = new Set([...record.keys(), ...(entry?.stored.keys() ?? [])]);
      for (const month of [...months].sort()) {
        if (countedMonths.get(host)?.has(month)) {
          const delta = deltas.get(host)?.get(month);
          if (delta === undefined || delta.size === 0) continue;
          const now = this.selectMonth(host, month) ?? new Map<string, number>();
          for (const [k, n] of delta) now.set(k, (now.get(k) ?? 0) + n);
          replaceRow(this.conn, [host, HOST_USER, month, 'json', encodeMonth(now)]);
          report.written++;
          continue;
        }
        // Not counted here (backfill): the month as given replaces the stored one.
        const next = record.get(month);
        const nextValue = next === undefined || next.size === 0 ? undefined : encodeMonth(next);
        if (nextValue === entry?.stored.get(month)) {
          report.unchanged++;
        } else if (nextValue === undefined) {
          deleteUserRows(this.conn, host, month, [HOST_USER]);
          report.deleted++;
        } else {
          replaceRow(this.conn, [host, HOST_USER, month, 'json', nextValue]);
          report.written++;
        }
      }
    }
    return { report, marks: finalMarks };
  }

  private afterCommit(changes: StoreChanges, marks: Map<string, Map<string, string | undefined>>, dryRun: boolean): void {
    for (const [host, finals] of marks) for (const [user, mark] of finals) this.marks.get(host)?.set(user, mark) ?? this.marks.set(host, new Map([[user, mark]]));
    this.counted = new Map();
    if (dryRun) {
      // The database is unchanged; reading on as if written keeps later batches' reports right.
      for (const [host, record] of changes.hosts) {
        const e = this.hosts.get(host);
        if (e !== undefined) e.stored = new Map([...record].filter(([, c]) => c.size > 0).map(([m, c]) => [m, encodeMonth(c)]));
      }
      return;
    }
    // Other nodes may have added to the same months: the next batch reads them afresh.
    for (const host of changes.hosts.keys()) this.hosts.delete(host);
  }

  /** The host record's rows, for messages. */
  recordName(host: string): string {
    return `${this.conn.label} rows of the host record (host ${JSON.stringify(host)}, store ${JSON.stringify(SQL_STORE)})`;
  }

  private loadHost(host: string): HostEntry {
    const rows = this.select('SELECT "key", "type", "value" FROM "prosody" WHERE "host" = ? AND "user" = ? AND "store" = ?', [host, HOST_USER, SQL_STORE]);
    const record: HostRecord = new Map();
    const stored = new Map<string, string>();
    for (const row of rows) {
      const month = String(row.key);
      const counts = decodeMonth(String(row.type), String(row.value), describeRow(this.conn.label, host, HOST_USER, month), month);
      if (counts.size === 0) continue;
      record.set(month, counts);
      stored.set(month, encodeMonth(counts));
    }
    assertOneLayout(record, this.recordName(host));
    return { record, stored };
  }

  private selectMonth(host: string, month: string): Map<string, number> | undefined {
    const rows = this.select('SELECT "type", "value" FROM "prosody" WHERE "host" = ? AND "user" = ? AND "store" = ? AND "key" = ?', [host, HOST_USER, SQL_STORE, month]);
    const row = rows.at(-1); // duplicates (the index is not unique): the last one, as Prosody's read keeps
    return row === undefined ? undefined : decodeMonth(String(row.type), String(row.value), describeRow(this.conn.label, host, HOST_USER, month), month);
  }

  /** A user's mark; of duplicate rows the latest month, so no duplicate lets a user count twice. */
  private selectMark(host: string, user: string): string | undefined {
    if (this.held?.has(host)) {
      let all = this.held.get(host)!;
      if (all === null) this.held.set(host, (all = this.listMarks(host)));
      return all.get(user);
    }
    return this.listMarks(host, [user]).get(user);
  }
}
