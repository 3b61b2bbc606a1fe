import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { acquireLock } from '../../src/storage/lock.js';

// Real Prosody 0.12.3 captures (fixtures/prosody-0.12-captured/README.md): month-boundary has the
// months 2026-10 and 2026-11, new-year 2026-12 and 2027-01. Their expected stores were worked out by
// hand (expected/README.md), so the store of both together is known without running our program:
// the union of the months, and each user's later mark.
const DIR = fixture('prosody-0.12-captured');
const OLD = join(DIR, 'month-boundary.debug.log');
const NEW = join(DIR, 'new-year.debug.log');
const expected = (name: string): StoreJson => JSON.parse(readFileSync(join(DIR, 'expected', name), 'utf8'));

function backfill(data: string, ...args: string[]) {
  return runCli([
    'backfill', '--data-dir', data, '--mmdb', join(DIR, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', '--year', '2026', ...args,
  ]);
}

function ok<R extends { code: number; stderr: string }>(r: R): R {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** Two hand-computed stores of disjoint months as one: all months, and the later mark of each user. */
function union(a: StoreJson, b: StoreJson): StoreJson {
  const out: StoreJson = structuredClone(a);
  for (const [host, rec] of Object.entries(b)) {
    const o = (out[host] ??= { last_recorded: {}, months: {} });
    for (const [month, counts] of Object.entries(rec.months)) {
      assert.equal(o.months[month], undefined, 'the captures have no month in common');
      o.months[month] = counts;
    }
    for (const [user, month] of Object.entries(rec.last_recorded)) {
      const mine = o.last_recorded[user];
      if (mine === undefined || month > mine) o.last_recorded[user] = month;
    }
  }
  return out;
}

test('backfill_older_months_into_live_store: the same store as one backfill over everything, and as the hand-computed one', () => {
  const live = join(tempDir(), 'data');
  ok(backfill(live, NEW)); // the store a running server has: the newer months
  const r = ok(backfill(live, '--json', OLD));
  const summary = JSON.parse(r.stdout);
  assert.deepEqual(
    summary.months.map((m: { host: string; month: string; action: string }) => `${m.host} ${m.month} ${m.action}`),
    ['chat.example.org 2026-10 add', 'chat.example.org 2026-11 add', 'example.com 2026-10 add', 'example.com 2026-11 add'],
  );
  const once = join(tempDir(), 'data');
  ok(backfill(once, OLD, NEW));
  const want = union(expected('new-year.debug.all.json'), expected('month-boundary.debug.all.json'));
  assert.deepEqual(readStoreWithLua(once), want);
  assert.deepEqual(readStoreWithLua(live), want);
  // Users whose stored mark is later (alice, bob, émile: 2027-01) kept it; 8 others were raised.
  assert.equal(summary.marksRaised, 8);
});

test('backfill_newer_months_after_older_ones: the order of the backfills does not matter', () => {
  const data = join(tempDir(), 'data');
  ok(backfill(data, OLD));
  ok(backfill(data, NEW));
  assert.deepEqual(readStoreWithLua(data), union(expected('new-year.debug.all.json'), expected('month-boundary.debug.all.json')));
});

test('backfill_same_logs_twice_changes_nothing: every file byte-identical, with and without --replace', () => {
  const data = join(tempDir(), 'data');
  ok(backfill(data, OLD, NEW));
  const before = snapshotTree(data);
  for (const extra of [[], ['--replace']]) {
    const second = JSON.parse(ok(backfill(data, '--json', ...extra, NEW, OLD)).stdout);
    assert.deepEqual(second.store, { written: 0, unchanged: extra.length === 0 ? 0 : 2, deleted: 0 });
    assert.equal(second.marksRaised, 0);
    assert.ok(second.months.every((m: { action: string; differs: boolean }) => m.action === (extra.length ? 'replace' : 'keep') && !m.differs));
    assert.deepEqual(snapshotTree(data), before);
  }
});

test('backfill_over_months_already_stored: left alone and reported unless --replace recomputes them', () => {
  // A store counted with record_country DE (hand-computed: expected/month-boundary.debug.DE.json).
  const data = join(tempDir(), 'data');
  ok(backfill(data, '--record-country', 'DE', OLD));
  assert.deepEqual(readStoreWithLua(data), expected('month-boundary.debug.DE.json'));
  const before = snapshotTree(data);

  // The same logs counted for all countries: every month is there already, so nothing changes.
  const kept = ok(backfill(data, OLD));
  assert.deepEqual(snapshotTree(data), before);
  assert.match(kept.stdout, /^example\.com\s+2026-10\s+kept\s+4\s+2\s+in the store with other counts \(--replace recomputes\)/m);
  assert.match(kept.stderr, /warning: 4 of the backfilled months are already in the store with other counts and were left alone; --replace recomputes them/);

  // --replace: the months become what all countries give; marks become the later of both.
  const replaced = JSON.parse(ok(backfill(data, '--replace', '--json', OLD)).stdout);
  assert.deepEqual(replaced.months.map((m: { action: string; differs: boolean }) => [m.action, m.differs]), Array(4).fill(['replace', true]));
  assert.deepEqual(readStoreWithLua(data), expected('month-boundary.debug.all.json'));

  // Back to DE with --replace: the months follow, but no user's mark goes back.
  ok(backfill(data, '--replace', '--record-country', 'DE', OLD));
  const de = expected('month-boundary.debug.DE.json');
  const all = expected('month-boundary.debug.all.json');
  assert.deepEqual(readStoreWithLua(data), {
    'chat.example.org': { months: de['chat.example.org'].months, last_recorded: all['chat.example.org'].last_recorded },
    'example.com': { months: de['example.com'].months, last_recorded: all['example.com'].last_recorded },
  });
});

test('backfill_dry_run_into_live_store: prints per host and month what it would do, writes nothing, names no user', () => {
  const data = join(tempDir(), 'data');
  ok(backfill(data, NEW));
  const before = snapshotTree(data);
  const table = ok(backfill(data, '--dry-run', OLD, NEW));
  assert.deepEqual(snapshotTree(data), before);
  const rows = table.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 5));
  assert.deepEqual(rows, [
    ['host', 'month', 'would', 'visitors', 'stored'],
    // Visitors = the sum of the client counts in the hand-computed stores.
    ['chat.example.org', '2026-10', 'add', '5', '-'],
    ['chat.example.org', '2026-11', 'add', '4', '-'],
    ['chat.example.org', '2026-12', 'keep', '2', '2'],
    ['chat.example.org', '2027-01', 'keep', '1', '1'],
    ['example.com', '2026-10', 'add', '4', '-'],
    ['example.com', '2026-11', 'add', '6', '-'],
    ['example.com', '2026-12', 'keep', '2', '2'],
    ['example.com', '2027-01', 'keep', '3', '3'],
  ]);
  const json = ok(backfill(data, '--dry-run', '--json', OLD, NEW));
  assert.deepEqual(snapshotTree(data), before);
  assert.equal(JSON.parse(json.stdout).dryRun, true);
  for (const name of ['alice', 'bob', 'carol', 'dave', 'grace', 'heidi', 'ivan', 'oscar', 'peggy', 'trent', 'mile']) {
    for (const out of [table.stdout, table.stderr, json.stdout, json.stderr]) assert.ok(!out.includes(name), `output names ${name}`);
  }
});

test('backfill_reports_partial_months: where the logs start, end and pause (from the capture manifests)', () => {
  const data = join(tempDir(), 'data');
  const r = JSON.parse(ok(backfill(data, '--json', OLD, NEW)).stdout);
  // month-boundary: phase a1 ran 2026-10-20 14:00:00–14:00:04, phase a2 2026-10-31 23:59:20 to
  // 2026-11-01 00:00:07; new-year: 2026-12-31 23:59:30 to 2027-01-01 00:00:04 (UTC).
  assert.deepEqual(r.coverage, [
    {
      month: '2026-10', firstLine: '2026-10-20T14:00+00:00', lastLine: '2026-10-31T23:59+00:00', startsLate: true, endsEarly: false,
      // 11 days 9 h 59 min 20 s between the phases, to the minute
      gaps: [{ from: '2026-10-20T14:00+00:00', to: '2026-10-31T23:59+00:00', hours: 274 }], partial: true,
    },
    {
      month: '2026-11', firstLine: '2026-11-01T00:00+00:00', lastLine: '2026-11-01T00:00+00:00', startsLate: false, endsEarly: true,
      gaps: [{ from: '2026-11-01T00:00+00:00', to: '2026-12-31T23:59+00:00', hours: 1464 }], partial: true,
    },
    {
      month: '2026-12', firstLine: '2026-12-31T23:59+00:00', lastLine: '2026-12-31T23:59+00:00', startsLate: true, endsEarly: false,
      gaps: [{ from: '2026-11-01T00:00+00:00', to: '2026-12-31T23:59+00:00', hours: 1464 }], partial: true,
    },
    {
      month: '2027-01', firstLine: '2027-01-01T00:00+00:00', lastLine: '2027-01-01T00:00+00:00', startsLate: false, endsEarly: true,
      gaps: [], partial: true,
    },
  ]);
  assert.ok(r.months.every((m: { partial: boolean }) => m.partial));
  const human = ok(backfill(join(tempDir(), 'data'), OLD));
  assert.match(human.stdout, /^example\.com\s+2026-10\s+added\s+4\s+-\s+partial: starts 2026-10-20 14:00, 1 gap \(longest 274\.0 h\)$/m);
  assert.match(human.stderr, /warning: 4 backfilled months are partial .*: chat\.example\.org 2026-10, chat\.example\.org 2026-11, example\.com 2026-10, example\.com 2026-11/);
});

test('backfill_partial_months_by_max_gap: a synthetic month with a 36-hour pause is partial at --max-gap 24, not at 48', () => {
  // Prosody file-sink lines every 12 hours through November 2026, except 36 hours without any.
  const lines: string[] = [];
  for (let t = Date.UTC(2026, 10, 1, 0, 5); t < Date.UTC(2026, 11, 1); t += 12 * 3_600_000) {
    if (t > Date.UTC(2026, 10, 10, 6) && t < Date.UTC(2026, 10, 11, 6)) continue; // no 10th 12:05, 11th 00:05
    const d = new Date(t);
    const day = String(d.getUTCDate()).padStart(2, '0');
    lines.push(`Nov ${day} ${String(d.getUTCHours()).padStart(2, '0')}:05:00 general\tinfo\tstill running`);
  }
  const log = join(tempDir(), 'prosody.log');
  writeFileSync(log, `${lines.join('\n')}\n`);
  const at24 = JSON.parse(ok(backfill(join(tempDir(), 'data'), '--json', log)).stdout);
  assert.deepEqual(at24.coverage, [
    {
      month: '2026-11', firstLine: '2026-11-01T00:05+00:00', lastLine: '2026-11-30T12:05+00:00', startsLate: false, endsEarly: false,
      gaps: [{ from: '2026-11-10T00:05+00:00', to: '2026-11-11T12:05+00:00', hours: 36 }], partial: true,
    },
  ]);
  const at48 = JSON.parse(ok(backfill(join(tempDir(), 'data'), '--json', '--max-gap', '48', log)).stdout);
  assert.equal(at48.coverage[0].partial, false);
  assert.equal(backfill(join(tempDir(), 'data'), '--max-gap', '0', log).code, 2);
});

test('backfill_while_another_run_holds_the_lock: fails at once and writes nothing, or waits with --wait', async () => {
  const data = join(tempDir(), 'data');
  ok(backfill(data, NEW));
  const before = snapshotTree(data);
  const lock = acquireLock(data, { wait: false });
  try {
    const r = backfill(data, OLD);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /lock/);
    // The lock, and the scratch file a waiting run's attempt makes for an instant before linking it
    // to the lock's name (lock.ts): lock machinery, not statistics.
    const withoutLock = () => new Map([...snapshotTree(data)].filter(([p]) => !/\/monthly-visitors\.lock(\.\d+\.new)?$/.test(p)));
    assert.deepEqual(withoutLock(), before);
    // --wait: the run starts, waits for the lock, and completes once it is released. It stops
    // itself (SIGSTOP, a named point of src/crash-points.ts) the moment it first finds the lock
    // held, so the look below happens while it is certainly waiting, on any machine.
    const child = spawn(process.execPath, [
      BIN, 'backfill', '--wait', '--quiet', '--data-dir', data, '--mmdb', join(DIR, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
      '--timezone', 'UTC', '--year', '2026', OLD,
    ], { env: { ...process.env, MONTHLY_VISITORS_CRASH_AT: 'lock-wait:1:SIGSTOP' } });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    await stoppedState(child.pid!, exit);
    assert.deepEqual(withoutLock(), before, 'nothing changes while we hold the lock');
    lock.release();
    child.kill('SIGCONT');
    assert.equal(await exit, 0, stderr);
  } finally {
    lock.release();
  }
  assert.deepEqual(readStoreWithLua(data), union(expected('new-year.debug.all.json'), expected('month-boundary.debug.all.json')));
});

/** Resolves once the process is stopped (state T in /proc); a generous deadline only a hang reaches. */
async function stoppedState(pid: number, exit: Promise<unknown>): Promise<void> {
  let exited = false;
  void exit.then(() => (exited = true));
  for (let i = 0; i < 6000; i++) {
    assert.ok(!exited, 'the waiting run ended instead of waiting');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the run never reached the lock');
}
