import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monthBarrier, monthOpen, nodeState, type NodeWatermark } from '../../src/core/month-barrier.js';
import { ClusterBarrier, EOF_MARGIN_MS } from '../../src/pipeline/cluster-barrier.js';
import { TimeZone } from '../../src/time/zone.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 1, 12);
const utcMonth = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const node = (name: string, watermark: number, movedAt = NOW, heldAt: string | null = null): NodeWatermark => ({ name, watermark, movedAt, heldAt });

test('month barrier: the lowest live watermark of the other nodes opens months up to its own', () => {
  const b = monthBarrier([node('a', Date.UTC(2026, 10, 1, 0, 0, 5)), node('b', Date.UTC(2026, 9, 31, 23, 59, 59)), node('c', Date.UTC(2026, 9, 20))], 'a', NOW, 2 * HOUR, utcMonth);
  assert.deepEqual(b, { openThrough: '2026-10', holdingNodes: ['b', 'c'], stalled: [] });
  assert.equal(monthOpen(b, '2026-10'), true);
  assert.equal(monthOpen(b, '2026-11'), false);
});

test('month barrier: a watermark at the very start of a month opens it (everything before is counted)', () => {
  const b = monthBarrier([node('b', Date.UTC(2026, 10, 1))], 'a', NOW, 2 * HOUR, utcMonth);
  assert.equal(b.openThrough, '2026-11');
});

test('month barrier: in the month zone, not UTC (Europe/Berlin: 23:30 UTC on 31 October is already November)', () => {
  const berlin = TimeZone.of('Europe/Berlin');
  const monthOf = (ms: number) => {
    const w = berlin.wallClock(ms);
    return `${w.year}-${String(w.month).padStart(2, '0')}`;
  };
  assert.equal(monthBarrier([node('b', Date.UTC(2026, 9, 31, 23, 30))], 'a', NOW, 2 * HOUR, monthOf).openThrough, '2026-11');
  assert.equal(monthBarrier([node('b', Date.UTC(2026, 9, 31, 22, 30))], 'a', NOW, 2 * HOUR, monthOf).openThrough, '2026-10');
});

test('month barrier: a node alone never waits for itself; a stalled node holds nobody', () => {
  assert.equal(monthBarrier([node('a', 0)], 'a', NOW, 2 * HOUR, utcMonth).openThrough, null);
  const stalled = node('b', Date.UTC(2026, 9, 31, 22), NOW - 2 * HOUR - 1);
  const b = monthBarrier([stalled, node('a', 0)], 'a', NOW, 2 * HOUR, utcMonth);
  assert.deepEqual(b, { openThrough: null, holdingNodes: [], stalled: [stalled] });
  assert.equal(nodeState(node('b', 0, NOW - 2 * HOUR), NOW, 2 * HOUR), 'live', 'exactly the timeout: not yet');
  assert.equal(nodeState(node('b', 0, NOW, '2026-11'), NOW, 2 * HOUR), 'waiting');
});

function barrierOver(nodes: NodeWatermark[], now: () => number): { barrier: ClusterBarrier; warnings: string[] } {
  const warnings: string[] = [];
  const barrier = new ClusterBarrier(
    { nodes: () => nodes, forget: () => false, add: () => false },
    { nodeName: 'a', nodeTimeoutMs: 2 * HOUR, monthZone: TimeZone.of('UTC'), now },
    (m) => warnings.push(m),
  );
  barrier.refresh();
  return { barrier, warnings };
}

test('watermark: the least over the logs; a held log gives its held login, a log read to its end the clock less a minute', () => {
  const { barrier } = barrierOver([node('a', Date.UTC(2026, 9, 1))], () => NOW);
  const held = { time: Date.UTC(2026, 10, 1, 0, 0, 2), month: '2026-11', checkpoint: {} as never };
  assert.deepEqual(barrier.next([{ held, atEnd: false, lastLogin: null }, { held: null, atEnd: true, lastLogin: null }], true), { ...node('a', held.time, NOW, '2026-11'), instance: undefined });
  assert.equal(barrier.next([{ held: null, atEnd: true, lastLogin: Date.UTC(2026, 9, 5) }], true)?.watermark, NOW - EOF_MARGIN_MS);
  assert.equal(barrier.next([{ held: null, atEnd: false, lastLogin: Date.UTC(2026, 9, 5) }], true)?.watermark, Date.UTC(2026, 9, 5));
  // Never back: a log read part way to an older login than what was published keeps the watermark.
  assert.equal(barrier.next([{ held: null, atEnd: false, lastLogin: Date.UTC(2026, 8, 5) }], true), undefined);
});

test('watermark: an idle node does not publish every clock tick (less than a minute moved, nothing else)', () => {
  let now = NOW;
  const { barrier } = barrierOver([node('a', NOW - EOF_MARGIN_MS)], () => now);
  now += 30_000;
  assert.equal(barrier.next([{ held: null, atEnd: true, lastLogin: null }], false), undefined);
  assert.equal(barrier.next([{ held: null, atEnd: true, lastLogin: null }], true)?.watermark, now - EOF_MARGIN_MS, 'with a batch to commit anyway it goes along');
  now += 60_000;
  assert.equal(barrier.next([{ held: null, atEnd: true, lastLogin: null }], false)?.watermark, now - EOF_MARGIN_MS);
});

test('a stalled node is named in one warning per run', () => {
  const { barrier, warnings } = barrierOver([node('b', Date.UTC(2026, 9, 31, 21), NOW - 3 * HOUR)], () => NOW);
  barrier.refresh();
  assert.deepEqual(warnings, [
    'node b: its watermark (2026-10-31T21:00:00.000Z) has not moved for 3h (--node-timeout 2h): no longer waiting for it; its logins of months the others close meanwhile will be late (`monthly-visitors nodes --forget b` if it is gone for good)',
  ]);
});

test('two tails publishing under one node name: the one that finds the other\'s row warns', () => {
  const rows: NodeWatermark[] = [];
  const warnings: string[] = [];
  const tail = (instance: string) =>
    new ClusterBarrier(
      { nodes: () => rows, forget: () => false, add: () => false },
      { nodeName: 'a', instance, nodeTimeoutMs: 2 * HOUR, monthZone: TimeZone.of('UTC'), now: () => NOW },
      (m) => warnings.push(m),
    );
  const first = tail('host1:/var/lib/a.json');
  first.refresh();
  rows.push(first.registration()!);
  first.refresh();
  assert.deepEqual(warnings, [], 'its own row');
  tail('host2:/var/lib/a.json').refresh();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^node a: another tail \(another host, or another checkpoint\) publishes its watermark under this name too; give each node its own --node-name/);
});
