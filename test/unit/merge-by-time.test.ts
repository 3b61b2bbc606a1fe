import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eachEvent, mergeByTime } from '../../src/sources/merge-by-time.js';
import type { LoginEvent } from '../../src/core/login-event.js';
import type { LoginStream } from '../../src/sources/login-stream.js';

/** A stream handing out the given batches (empty ones too, as a chunk without logins gives). */
function streamOf(batches: LoginEvent[][]): LoginStream {
  let i = 0;
  return { next: async () => (i < batches.length ? batches[i++] : null) } as unknown as LoginStream;
}

function login(time: number, user: string): LoginEvent {
  return { time, month: '2026-07', host: 'example.com', user, ip: null, resource: null, localTime: '', source: user };
}

async function merged(inputs: LoginEvent[][][]): Promise<{ users: string[]; batches: number }> {
  const users: string[] = [];
  let batches = 0;
  for await (const batch of mergeByTime(inputs.map(streamOf))) {
    assert.ok(batch.length > 0, 'no empty batches');
    batches++;
    for (const e of batch) users.push(e.user);
  }
  return { users, batches };
}

test('one input: its batches as they come, empty ones left out', async () => {
  const { users, batches } = await merged([[[login(1, 'a'), login(2, 'b')], [], [login(3, 'c')]]]);
  assert.deepEqual(users, ['a', 'b', 'c']);
  assert.equal(batches, 2);
});

test('several inputs: time order, ties in input order, across batch boundaries', async () => {
  const { users } = await merged([
    [[login(1, 'a1'), login(5, 'a5')], [], [login(5, 'a5b'), login(9, 'a9')]],
    [[login(2, 'b2')], [login(5, 'b5'), login(6, 'b6')]],
    [[], [login(0, 'c0')], [login(5, 'c5')]],
  ]);
  assert.deepEqual(users, ['c0', 'a1', 'b2', 'a5', 'a5b', 'b5', 'c5', 'b6', 'a9']);
});

test('several inputs, any batching: the same as a stable sort by time of all logins', async () => {
  const batchesArb = fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 4 }), { maxLength: 5 });
  await fc.assert(
    fc.asyncProperty(fc.array(batchesArb, { minLength: 1, maxLength: 4 }), async (inputs) => {
      // Each input is in time order (as a log is): sort the times across its batches.
      const logs = inputs.map((batches, k) => {
        const times = batches.flat().sort((x, y) => x - y);
        let n = 0;
        return batches.map((b) => b.map(() => login(times[n], `${k}:${n++}`)));
      });
      const expected = logs
        .flatMap((batches, k) => batches.flat().map((e) => ({ e, k })))
        .sort((x, y) => x.e.time - y.e.time || x.k - y.k)
        .map(({ e }) => e.user);
      assert.deepEqual((await merged(logs)).users, expected);
    }),
  );
});

test('eachEvent hands out the logins of the batches one by one', async () => {
  const users: string[] = [];
  for await (const e of eachEvent(mergeByTime([streamOf([[login(1, 'a')], [login(2, 'b'), login(3, 'c')]])]))) users.push(e.user);
  assert.deepEqual(users, ['a', 'b', 'c']);
});
