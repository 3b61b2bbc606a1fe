/**
 * fdatasync of many open files at once, for a commit that stays synchronous: the calls run
 * concurrently on libuv's thread pool (in a worker thread, which the caller waits for with
 * Atomics.wait), so the disk sees them together and one journal commit of the file system can
 * serve many. File descriptors belong to the process, so the worker flushes the caller's own.
 *
 * Measured on this machine (ext4 on a virtio disk, 10,000 files just written): one after the
 * other 1.5-1.6 s, concurrently 0.33-0.35 s. A worker costs some milliseconds to start, so small
 * batches are flushed in the caller's thread, and so is the first large window, timed: only if its
 * flushes waited (tmpfs: ~1 µs each, a disk: 40 µs to milliseconds) does the worker take over the
 * next ones. It is started once per process, when needed, and does not keep the process alive.
 */
import fs from 'node:fs';
import { StoreIoError } from '../errors.js';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { waitForFlag } from './wait-for-flag.js';

/** From this many files on, the worker flushes them concurrently. */
export const CONCURRENT_FROM = 16;
const WORKER_DEAD_MS = 30 * 60_000;
const WORKER_START_MS = 20_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { flag, port } = workerData;
const done = new Int32Array(flag);
Atomics.store(done, 1, 1); // started
parentPort.on('message', async (fds) => {
  const errors = await Promise.all(fds.map((fd) => new Promise((resolve) => fs.fdatasync(fd, (e) => resolve(e ? (e.code || String(e)) : null)))));
  port.postMessage(errors);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

interface Pool {
  worker: Worker;
  done: Int32Array;
  results: MessagePort;
}

let pool: Pool | undefined;
/** Whether flushes here wait for a disk: learned from the first large window, flushed in this thread. */
let flushesWait = false;
/** A flush that takes longer than this on average waits for the disk (tmpfs: ~1 µs). */
const WAITING_FLUSH_NS = 20_000;

function startPool(): Pool {
  const flag = new SharedArrayBuffer(8);
  const { port1, port2 } = new MessageChannel();
  // No execArgv: a parent run with --input-type=module would make the worker's CommonJS source ESM.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { flag, port: port2 }, transferList: [port2] });
  worker.unref();
  port1.unref();
  return { worker, done: new Int32Array(flag), results: port1 };
}

/**
 * fdatasync of each descriptor; returns, per descriptor, null or the errno code of its failure.
 * Blocks until all are done. `concurrent` forces the choice (tests).
 */
export function fdatasyncAll(fds: readonly number[], opts: { concurrent?: boolean } = {}): Array<string | null> {
  const concurrent = opts.concurrent ?? (fds.length >= CONCURRENT_FROM && flushesWait);
  if (!concurrent) {
    const started = process.hrtime.bigint();
    const errors = fds.map((fd) => {
      try {
        fs.fdatasyncSync(fd);
        return null;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? String(err);
      }
    });
    // A file system whose flushes return at once (tmpfs, a disk with a volatile cache the kernel
    // trusts) gains nothing from the worker's round trips; one that waits for the disk does.
    if (fds.length >= CONCURRENT_FROM && Number(process.hrtime.bigint() - started) / fds.length > WAITING_FLUSH_NS) flushesWait = true;
    return errors;
  }
  pool ??= startPool();
  Atomics.store(pool.done, 0, 0);
  pool.worker.postMessage(fds);
  // A worker that could not start never answers: after a while without a sign of life, the
  // files are flushed here instead. A flush may take long on a busy disk; only a dead worker
  // takes WORKER_DEAD_MS.
  if (!waitForFlag(pool.done, 0, WORKER_START_MS) && Atomics.load(pool.done, 1) === 0) {
    void pool.worker.terminate();
    pool = undefined;
    flushesWait = false;
    return fdatasyncAll(fds, { concurrent: false });
  }
  if (!waitForFlag(pool.done, 0, WORKER_DEAD_MS)) throw new StoreIoError(`flushing ${fds.length} files to disk did not end within ${WORKER_DEAD_MS / 60_000} minutes`);
  const reply = receiveMessageOnPort(pool.results);
  if (reply === undefined) throw new Error('internal: the flush worker gave no answer');
  return reply.message as Array<string | null>;
}
