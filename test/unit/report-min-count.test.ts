import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hostReport, type MonthReport } from '../../src/report/report-model.js';
import { PlaceNames } from '../../src/report/place-names.js';
import { parseHostRecord, type HostRecord } from '../../src/storage/records.js';
import { readFileSync } from 'node:fs';
import { ROOT } from '../helpers/paths.js';
import { possibleValues } from '../helpers/report-oracle.js';

const STORE = join(ROOT, 'test/fixtures/report-store/data/example%2enet/monthly%2dvisitors.dat');
const record = (): HostRecord => parseHostRecord(readFileSync(STORE), STORE);
const names = new PlaceNames();

/** `{ key: shown figure }` of one dimension, e.g. { DE: '6', AT: '<3', DE-HE: 'hidden' }. */
function shown(m: MonthReport, k: number): Record<string, string> {
  const out: Record<string, string> = { unique: m.unique.count === null ? (m.unique.hidden === 'below-min-count' ? `<${k}` : 'hidden') : String(m.unique.count) };
  for (const [d, cells] of Object.entries(m.cells)) {
    for (const c of cells) out[`${d}:${c.key}`] = c.count === null ? (c.hidden === 'below-min-count' ? `<${k}` : 'hidden') : String(c.count);
  }
  return out;
}

/** No hidden figure may have only one possible value, unless its marker says so itself (<2 is 1). */
function assertNothingPinned(m: MonthReport, k: number, cap: number): void {
  for (const [key, values] of possibleValues(m, k, cap)) {
    const marker = shown(m, k)[key];
    if (marker === '<2') continue;
    assert.ok(values.size >= 2, `${m.month} ${key} (${marker}) can only be ${[...values].join(', ')}`);
  }
}

test('without --min-count every figure is shown, as worked out by hand from the .dat file', () => {
  const r = hostReport('example.net', record(), {}, 0, names);
  assert.deepEqual(r.months.map((m) => m.month), ['2025-12', '2026-01', '2026-03']);
  assert.deepEqual(shown(r.months[1]!, 0), {
    unique: '9',
    'country:DE': '6', 'country:AT': '2', 'country:US': '1',
    'subdivision:DE-HE': '4', 'subdivision:AT-9': '2', 'subdivision:DE-BE': '2', 'subdivision:US-TX': '1',
    'city:DE-HE-2925533': '4', 'city:AT-9-2761369': '2', 'city:DE-BE-2950159': '2', 'city:US-TX-?': '1',
    'client:IOS': '5', 'client:ANDROID': '3', 'client:?': '1',
  });
  assert.deepEqual(r.months[1]!.change, { previousMonth: '2025-12', previous: 6, delta: 3, percent: 50 });
  assert.equal(r.months[0]!.change, null, 'no 2025-11 record');
  assert.equal(r.months[2]!.change, null, 'no 2026-02 record');
});

test('--min-count 3 hides the small cells and, worked out by hand, the cells that would give them away', () => {
  const r = hostReport('example.net', record(), {}, 3, names);
  // 2026-01: DE-BE (2) = DE (6) − DE-HE (4), so DE-HE is hidden; DE-HE would then be its one city
  // (4), so that city is hidden too. Client ? (1) = 9 − 5 − 3: ANDROID is hidden; then ? ≤ 9 − 5 − 3
  // still pins it to 1 (a hidden figure is ≥ 3), so IOS is hidden as well. The parts of AT, US and
  // DE-BE (below 3) are not listed.
  assert.deepEqual(shown(r.months[1]!, 3), {
    unique: '9',
    'country:DE': '6', 'country:AT': '<3', 'country:US': '<3',
    'subdivision:DE-HE': 'hidden', 'subdivision:DE-BE': '<3',
    'city:DE-HE-2925533': 'hidden',
    'client:IOS': 'hidden', 'client:ANDROID': 'hidden', 'client:?': '<3',
  });
  // 2025-12: six visitors, FR (1) + ? (1) = 6 − DE (4); hiding DE, DE-HE and its city still leaves
  // DE ≥ 3 + 1, so FR and ? are 1 each unless the total goes too. Nothing is left to show.
  const dec = shown(r.months[0]!, 3);
  assert.ok(Object.values(dec).every((v) => v === 'hidden' || v === '<3'), JSON.stringify(dec));
  assert.equal(dec.unique, 'hidden');
  assert.equal(r.months[1]!.change, null, 'the month before has its total hidden');
  assert.equal(shown(r.months[2]!, 3).unique, '<3');
  for (const m of r.months) assertNothingPinned(m, 3, 20);
});

test('--min-count 2 marks the ones (a <2 is a 1: the marker says so, nothing else is hidden)', () => {
  const r = hostReport('example.net', record(), {}, 2, names);
  const jan = shown(r.months[1]!, 2);
  assert.equal(jan['client:?'], '<2');
  assert.equal(jan['country:US'], '<2');
  assert.equal(jan['subdivision:US-TX'], undefined, 'the parts of a figure below k are not listed');
  assert.equal(jan['city:US-TX-?'], undefined);
  assert.ok(!Object.values(jan).includes('hidden'));
  assert.equal(jan.unique, '9');
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('on 300 random small months no hidden figure can be worked out (brute-force check)', () => {
  const random = rng(20261125);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  for (let i = 0; i < 300; i++) {
    const k = pick([2, 3, 4, 5]);
    const logins = 1 + Math.floor(random() * 14);
    const counts = new Map<string, number>();
    const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    for (let j = 0; j < logins; j++) {
      add(`client-${pick(['IOS', 'ANDROID', '?'])}`);
      add(`geo-${pick(['DE-HE-1', 'DE-HE-2', 'DE-BE-3', 'FR-IDF-4', '?-?-?'])}`);
    }
    const rec: HostRecord = new Map([['2026-01', counts]]);
    const m = hostReport('h', rec, {}, k, names).months[0]!;
    assertNothingPinned(m, k, logins + k + 2);
    // And every shown figure is the true one.
    for (const c of m.cells.client) if (c.count !== null) assert.equal(c.count, counts.get(`client-${c.key}`));
    for (const c of m.cells.city) if (c.count !== null) assert.equal(c.count, counts.get(`geo-${c.key}`));
  }
});
