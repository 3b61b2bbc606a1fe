import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Reporter } from '../../src/cli/reporter.js';
import { acquireLock, acquireLockAsync } from '../../src/storage/lock.js';
import { LockError } from '../../src/errors.js';
import { tempDir } from '../helpers/tree.js';

/** A stderr that says it is (or is not) a terminal, and keeps what was written. */
function stream(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(w, { isTTY });
  return { out: w, text: () => text };
}

test('what a wait or a follow is doing is said on a terminal only, and not under -q', () => {
  const previous = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    const tty = stream(true);
    new Reporter('normal', tty.out).waiting(1234);
    new Reporter('normal', tty.out).onTerminal('following 2 logs; Ctrl-C stops after the current batch');
    assert.equal(tty.text(), 'waiting for pid 1234 that holds the data dir\nfollowing 2 logs; Ctrl-C stops after the current batch\n');
    const pipe = stream(false);
    new Reporter('normal', pipe.out).waiting(1234);
    new Reporter('verbose', pipe.out).onTerminal('following 2 logs');
    const quiet = stream(true);
    new Reporter('quiet', quiet.out).waiting(1234);
    assert.equal(pipe.text() + quiet.text(), '');
  } finally {
    if (previous === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = previous;
  }
});

test('--wait tells, once, which process holds the lock', async () => {
  const dir = tempDir();
  const held = acquireLock(dir);
  const told: Array<number | undefined> = [];
  // The holder (this process) never lets go: the waiter gives up after its timeout, having been told once.
  await assert.rejects(acquireLockAsync(dir, { wait: true, timeoutMs: 300, onWait: (pid) => told.push(pid) }), LockError);
  assert.deepEqual(told, [process.pid]);
  held.release();
});
