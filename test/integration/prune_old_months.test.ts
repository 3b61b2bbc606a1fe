import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { runCli } from '../helpers/run-cli.js';
import { loadDatWithLua, readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { acquireLock } from '../../src/storage/lock.js';
import { MONTHS, counts, threeYearStore } from '../helpers/three-year-store.js';

const prune = (data: string, ...args: string[]) => runCli(['prune', '--data-dir', data, ...args]);

test('prune_three_years_keep_twelve: in 2026-11, 2025-12 and later stay; older months and users go', () => {
  const data = threeYearStore();
  const r = prune(data, '--keep-months', '12', '--now', '2026-11');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/)),
    [
      ['host', 'months removed', 'kept', 'oldest..newest removed', 'users removed', 'kept'],
      ['chat.example.org', '2', '0', '2024-02..2024-07', '1', '0'],
      ['example.com', '23', '13', '2024-01..2025-11', '5', '2'],
    ],
  );
  assert.match(r.stderr, /keeping 12 months, 2025-12 to 2026-11; removed 25 host months and 6 user records \(2 files rewritten, 6 deleted\)/);
  const store = readStoreWithLua(data);
  const kept = MONTHS.slice(MONTHS.indexOf('2025-12')); // 2025-12 … 2026-12: a month after "now" is not old
  assert.deepEqual(store['example.com'].months, Object.fromEntries(kept.map((m) => [m, counts(MONTHS.indexOf(m) + 1)])));
  assert.deepEqual(store['example.com'].last_recorded, { dec2025: '2025-12', keeper: undefined, oct2026: '2026-10' });
  // A user file with another key keeps it and loses only last-recorded.
  assert.deepEqual(loadDatWithLua(join(data, 'example%2ecom', 'monthly%2dvisitors', 'keeper.dat')), { note: 'kept by a newer module' });
  // chat.example.org had only old months: its host record file is gone, as datamanager removes an empty one.
  assert.equal(existsSync(join(data, 'chat%2eexample%2eorg', 'monthly%2dvisitors.dat')), false);
  assert.deepEqual(store['chat.example.org'], { last_recorded: {}, months: {} });
  // Nothing but the module's files is left behind (no lock, no journal).
  assert.deepEqual(
    [...snapshotTree(data).keys()].filter((p) => !p.endsWith('/')).map((p) => p.slice(data.length + 1)).sort(),
    ['example%2ecom/monthly%2dvisitors.dat', 'example%2ecom/monthly%2dvisitors/dec2025.dat', 'example%2ecom/monthly%2dvisitors/keeper.dat', 'example%2ecom/monthly%2dvisitors/oct2026.dat'],
  );
});

test('prune_dry_run_three_years: every file byte-identical, and the counts the real run then reports', () => {
  const data = threeYearStore();
  const before = snapshotTree(data);
  const dry = prune(data, '--keep-months', '12', '--now', '2026-11', '--dry-run', '--json');
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(snapshotTree(data), before);
  const table = prune(data, '--keep-months', '12', '--now', '2026-11', '--dry-run');
  assert.deepEqual(snapshotTree(data), before);
  assert.match(table.stdout, /^example\.com\s+23\s+13\s+2024-01\.\.2025-11\s+5\s+2$/m);
  const real = prune(data, '--keep-months', '12', '--now', '2026-11', '--json');
  assert.equal(real.code, 0, real.stderr);
  const [d, w] = [JSON.parse(dry.stdout), JSON.parse(real.stdout)];
  assert.equal(d.dryRun, true);
  assert.deepEqual(d.hosts, w.hosts);
  assert.deepEqual(d.store, w.store);
  assert.deepEqual(w.hosts[1], {
    host: 'example.com', monthsRemoved: 23, monthsKept: 13, usersRemoved: 5, usersKept: 2, removedFrom: '2024-01', removedTo: '2025-11',
  });
  assert.equal(w.oldestKept, '2025-12');
  for (const out of [dry.stdout, dry.stderr, table.stdout, real.stdout, real.stderr]) {
    for (const name of ['old2024', 'mid2025', 'keeper', 'heidi', 'mile']) assert.ok(!out.includes(name), `output names ${name}`);
  }
});

test('prune_keeping_everything_writes_nothing: 36 months in 2026-12 keeps all three years', () => {
  const data = threeYearStore();
  const before = snapshotTree(data);
  const r = prune(data, '--keep-months', '36', '--now', '2026-12', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).store, { written: 0, unchanged: 0, deleted: 0 });
  assert.deepEqual(snapshotTree(data), before);
  // One month fewer, and January 2024 goes (with the one user last counted before 2024-02: none).
  const r35 = JSON.parse(prune(data, '--keep-months', '35', '--now', '2026-12', '--json').stdout);
  assert.equal(r35.hosts[1].monthsRemoved, 1);
  assert.equal(r35.hosts[1].removedFrom, '2024-01');
});

test('prune_while_another_run_holds_the_lock: fails, changes nothing', () => {
  const data = threeYearStore();
  const before = snapshotTree(data);
  const lock = acquireLock(data, { wait: false });
  try {
    const r = prune(data, '--keep-months', '1', '--now', '2026-11');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /lock/);
  } finally {
    lock.release();
  }
  assert.deepEqual(snapshotTree(data), before);
});

test('prune_bad_options: exit 2 before touching anything', () => {
  const data = threeYearStore();
  const before = snapshotTree(data);
  for (const args of [['--keep-months', '0'], ['--keep-months', 'twelve'], ['--keep-months', '12', '--now', '2026-13'], []]) {
    const r = prune(data, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.deepEqual(snapshotTree(data), before);
  assert.equal(runCli(['prune', '--keep-months', '3', '--data-dir', join(tempDir(), 'nothing-here')]).code, 1);
});

test('prune_backfilled_captures_to_the_last_two_months: what is left is the new-year capture alone', () => {
  // Both real captures backfilled (2026-10 … 2027-01); keeping 2026-12 and 2027-01 must leave exactly
  // the hand-computed store of the new-year capture: its months, and the users it counted, whose
  // marks are all 2026-12 or later (everybody else was last counted before 2026-12).
  const dir = fixture('prosody-0.12-captured');
  const data = join(tempDir(), 'data');
  const b = runCli([
    'backfill', '--data-dir', data, '--mmdb', join(dir, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026',
    join(dir, 'month-boundary.debug.log'), join(dir, 'new-year.debug.log'),
  ]);
  assert.equal(b.code, 0, b.stderr);
  const r = prune(data, '--keep-months', '2', '--now', '2027-01');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readStoreWithLua(data), JSON.parse(readFileSync(join(dir, 'expected', 'new-year.debug.all.json'), 'utf8')));
});
