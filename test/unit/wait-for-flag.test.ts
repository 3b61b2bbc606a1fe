import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { waitForFlag } from '../../src/storage/wait-for-flag.js';

/**
 * The race behind a lost database answer: a worker's notify for one request can wake the wait for
 * the next one before its answer is there. Here a worker sends many notifies with the flag still
 * down before it raises it: the wait must end only on the raised flag.
 */
test('a notify without the flag raised does not end the wait; the raised flag does', async () => {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const flag = new Int32Array(workerData);
     const pause = new Int32Array(new SharedArrayBuffer(4));
     for (let i = 0; i < 200; i++) { Atomics.notify(flag, 0); Atomics.wait(pause, 0, 0, 1); }
     Atomics.store(flag, 0, 1);
     Atomics.notify(flag, 0);`,
    { eval: true, workerData: flag.buffer },
  );
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  assert.equal(waitForFlag(flag, 0, 120_000), true);
  assert.equal(Atomics.load(flag, 0), 1, 'woken with the flag still down');
  await exited;
});

test('a flag already raised returns at once; one never raised returns false at the deadline', () => {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  Atomics.store(flag, 0, 1);
  assert.equal(waitForFlag(flag, 0, 0), true);
  assert.equal(waitForFlag(flag, 1, 5), false);
});
