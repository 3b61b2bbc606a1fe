import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { StoreIoError } from '../../errors.js';
import { requireDriverInstalled } from './driver.js';
import { waitForFlag } from '../wait-for-flag.js';
import type { Row, SqlConnection, SqlOptions } from './sql-connection.js';

/** An SQL error PostgreSQL says a retry may fix (serialization failure, deadlock). */
export class SqlRetryableError extends StoreIoError {}

const RETRYABLE = new Set(['40001', '40P01']);
/** How long one statement may take before the store gives up (a lock held by a stuck node). */
const STATEMENT_TIMEOUT_MS = 10 * 60_000;

/**
 * PostgreSQL through `pg`, made synchronous: the client lives in a worker thread and the main
 * thread blocks on a shared flag (Atomics.wait) until the worker has posted the answer.
 */
export function openPostgres(opts: SqlOptions): SqlConnection {
  requireDriverInstalled('pg'); // the worker loads it: a missing one is said here, before it starts
  const label = `postgresql:${opts.username ? `${opts.username}@` : ''}${opts.host ?? 'localhost'}${opts.port ? `:${opts.port}` : ''}/${opts.database}`;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const config = { database: opts.database, host: opts.host, port: opts.port, user: opts.username, password: opts.password };
  const worker = new Worker(new URL('./pg-worker.js', import.meta.url), { workerData: { flag, port: port2, config }, transferList: [port2] });
  worker.unref();
  let closed = false;

  const call = (req: { sql?: string; params?: unknown[]; close?: boolean }): Row[] => {
    Atomics.store(flag, 0, 0);
    port1.postMessage(req);
    if (!waitForFlag(flag, 0, STATEMENT_TIMEOUT_MS)) throw new StoreIoError(`${label}: no answer from the database within ${STATEMENT_TIMEOUT_MS / 1000} s`);
    const reply = receiveMessageOnPort(port1)?.message as { rows?: Row[]; error?: string; code?: string } | undefined;
    if (reply === undefined) throw new StoreIoError(`${label}: the database connection ended`);
    if (reply.error !== undefined) {
      const message = `${label}: ${reply.error}`;
      throw RETRYABLE.has(reply.code ?? '') ? new SqlRetryableError(message) : new StoreIoError(message);
    }
    return reply.rows ?? [];
  };

  const conn: SqlConnection = {
    dialect: 'pg',
    label,
    query: (sql, params = []) => call({ sql: numberPlaceholders(sql), params: [...params] }),
    close: () => {
      if (closed) return;
      closed = true;
      try {
        call({ close: true });
      } finally {
        port1.close();
        void worker.terminate();
      }
    },
  };
  try {
    conn.query('SELECT 1'); // connect now: a bad host or password stops the run before any read
  } catch (err) {
    closed = true;
    port1.close();
    void worker.terminate();
    throw err;
  }
  return conn;
}

/** `?` → `$1, $2, …` (our SQL has no `?` inside literals). */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
