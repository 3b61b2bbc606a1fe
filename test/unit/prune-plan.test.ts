import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oldestKeptMonth, planPrune } from '../../src/core/prune-plan.js';
import type { HostRecord } from '../../src/core/monthly-tally.js';

test('--keep-months N keeps the current month and the N - 1 before it', () => {
  assert.equal(oldestKeptMonth('2026-11', 12), '2025-12');
  assert.equal(oldestKeptMonth('2026-11', 1), '2026-11');
  assert.equal(oldestKeptMonth('2026-01', 2), '2025-12');
  assert.equal(oldestKeptMonth('2026-12', 36), '2024-01');
  assert.equal(oldestKeptMonth('2026-03', 27), '2024-01');
});

test('month arithmetic stays in months a store can hold: before year 0000 everything is kept', () => {
  // Checked against a month count made by hand: 0001-03 is month index 14 (0000-01 = 0).
  assert.equal(oldestKeptMonth('0001-03', 15), '0000-01');
  assert.equal(oldestKeptMonth('0001-03', 16), '0000-01');
  assert.equal(oldestKeptMonth('0001-03', 1200), '0000-01');
  assert.equal(oldestKeptMonth('2026-11', 1200), '1926-12');
  for (let keep = 1; keep <= 1200; keep += 37) assert.match(oldestKeptMonth('0042-07', keep), /^\d{4}-(0[1-9]|1[0-2])$/);
  assert.throws(() => oldestKeptMonth('2026-11', 0), RangeError);
});

test('months before the oldest kept are removed, later ones and keys that are no month are kept', () => {
  const record: HostRecord = new Map([
    ['2025-10', new Map([['client-?', 1]])],
    ['2025-11', new Map([['client-?', 2]])],
    ['2025-12', new Map([['client-?', 3]])],
    ['2027-01', new Map([['client-?', 4]])],
    ['total', new Map([['client-?', 10]])],
  ]);
  const users = [
    { user: 'old', lastRecorded: '2025-11' },
    { user: 'edge', lastRecorded: '2025-12' },
    { user: 'odd', lastRecorded: 'someday' },
  ];
  const plan = planPrune([{ host: 'h', record, users }], '2025-12');
  assert.deepEqual(plan.hosts, [{ host: 'h', monthsRemoved: 2, monthsKept: 3, usersRemoved: 1, usersKept: 2, removedFrom: '2025-10', removedTo: '2025-11' }]);
  assert.deepEqual([...plan.changes.hosts.get('h')!.keys()], ['2025-12', '2027-01', 'total']);
  assert.deepEqual([...plan.changes.users.get('h')!], [['old', null]]);
  assert.equal(record.size, 5, 'the stored record is not modified');
});

test('a host with nothing to prune gets no change at all', () => {
  const plan = planPrune([{ host: 'h', record: new Map([['2026-11', new Map()]]), users: [{ user: 'a', lastRecorded: '2026-11' }] }], '2026-01');
  assert.equal(plan.changes.hosts.size, 0);
  assert.equal(plan.changes.users.size, 0);
});
