import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { newYearRotatedSet } from '../helpers/rotated-set.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

/**
 * An operator with many cores runs `backfill` (default `--jobs`: every core) or `--jobs 1`: the
 * data dir, the summary and `events` are byte for byte the same. Test-only
 * MONTHLY_VISITORS_TEST_RANGE_BYTES makes the small real logs go to workers, cut every N bytes.
 */

const MMDB = fixture('prosody-0.12-p1', 'test-GeoIP2-City.mmdb');
const LOGS = [
  fixture('prosody-0.12-p1', 'prosody.debug.log'),
  fixture('prosody-0.12-p1', 'prosody.info.log'),
  fixture('prosody-0.12-captured', 'month-boundary.debug.log'),
  fixture('prosody-0.12-captured', 'new-year.info.log'),
  fixture('ejabberd-23.01', 'debug', 'ejabberd.log'),
  fixture('prosody-0.12-syslog', 'syslog.traditional.log'),
];

function backfill(jobs: string, rangeBytes: string, logs: string[], extra: string[] = []) {
  const data = join(tempDir(), 'data');
  mkdirSync(data); // Prosody's data dir exists: no warning naming this temporary path
  const r = runCli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--json', '--jobs', jobs, ...extra, ...logs], {
    env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: rangeBytes },
  });
  assert.equal(r.code, 0, r.stderr);
  return { data, stdout: r.stdout, stderr: r.stderr, tree: new Map([...snapshotTree(data)].map(([p, v]) => [p.slice(data.length), v])) };
}

for (const log of LOGS) {
  test(`backfill --jobs 2 of ${log.split('/').slice(-2).join('/')} cut every 1,000 and 173 bytes: the data dir and summary of --jobs 1`, () => {
    const one = backfill('1', '', [log]);
    assert.ok(one.tree.size > 3, 'something was written');
    for (const bytes of ['1000', '173']) {
      const two = backfill('2', bytes, [log]);
      assert.deepEqual(two.tree, one.tree);
      assert.equal(two.stdout, one.stdout);
      assert.equal(two.stderr, one.stderr);
    }
  });
}

test('backfill of every log at once (merged by time), --jobs 2 in 500-byte ranges: the same as --jobs 1', () => {
  const one = backfill('1', '', LOGS);
  const two = backfill('2', '500', LOGS);
  assert.deepEqual(two.tree, one.tree);
  assert.equal(two.stdout, one.stdout);
});

test('a rotated set of gzip pieces across a new year, each piece on a worker: events and store as --jobs 1', () => {
  const logs = newYearRotatedSet(tempDir());
  const one = backfill('1', '', logs, ['--year', '2026']);
  const two = backfill('2', '400', logs, ['--year', '2026']);
  assert.deepEqual(two.tree, one.tree);
  assert.equal(two.stdout, one.stdout);
  const events = (jobs: string) =>
    runCli(['events', '--timezone', 'UTC', '--year', '2026', '--jobs', jobs, ...logs], { env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: jobs === '1' ? '' : '300' } });
  const e1 = events('1');
  assert.equal(e1.code, 0, e1.stderr);
  assert.match(e1.stdout, /"month":"2027-01"/);
  assert.equal(events('2').stdout, e1.stdout);
});

test('--jobs 0 or a word: a usage error (exit 2) before anything is read', () => {
  for (const bad of ['0', 'many', '-1']) {
    const r = runCli(['events', '--jobs', bad, LOGS[0]]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--jobs/);
  }
});

test('--verbose says which logs workers read; a small log with the default --jobs stays on the main thread', () => {
  const small = runCli(['events', '-v', '--timezone', 'UTC', LOGS[0]]);
  assert.equal(small.code, 0, small.stderr);
  assert.doesNotMatch(small.stderr, /worker/);
  const cut = runCli(['events', '-v', '--timezone', 'UTC', '--jobs', '3', LOGS[0]], { env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: '5000' } });
  assert.match(cut.stderr, /prosody\.debug\.log: read by up to 3 worker threads/);
  assert.equal(cut.stdout, small.stdout);
});

test('a debug log that starts at info level: the ranges before its first debug line are read again on the main thread, -v says how many, the events are those of --jobs 1', () => {
  // Logged at info level, then switched to debug: ranges cut after the first chunk assume a debug line came before them.
  const lines = readFileSync(LOGS[0], 'utf8').split('\n');
  const log = join(tempDir(), 'prosody.log');
  writeFileSync(log, lines.map((line, i) => (i < 60 ? line.replace('\tdebug\t', '\tinfo\t') : line)).join('\n'));
  const one = runCli(['events', '-v', '--timezone', 'UTC', '--year', '2026', '--jobs', '1', log]);
  const two = runCli(['events', '-v', '--timezone', 'UTC', '--year', '2026', '--jobs', '2', log], { env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: '300' } });
  assert.equal(two.code, 0, two.stderr);
  assert.equal(two.stdout, one.stdout);
  assert.equal(two.stderr.replace(/^.*(worker threads|read again).*\n/gm, ''), one.stderr);
  assert.ok(one.stdout.split('\n').length > 10, 'it has logins');
  assert.doesNotMatch(one.stderr, /read again/);
  const again = /prosody\.log: (\d+) of (\d+) ranges read again on the main thread/.exec(two.stderr);
  assert.ok(again !== null, two.stderr);
  assert.ok(Number(again[1]) > 0 && Number(again[1]) < Number(again[2]), again[0]);
});

test('check of a log read by workers reports what --jobs 1 reports', () => {
  const check = (jobs: string, rangeBytes: string) =>
    runCli(['check', '--data-dir', fixture('prosody-0.12-p1', 'data'), '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', '--jobs', jobs, LOGS[0], LOGS[4]], {
      env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: rangeBytes },
    });
  const one = check('1', '');
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout + one.stderr, /prosody\.debug\.log: prosody, 716 lines, 13 logins/);
  const two = check('2', '300');
  assert.equal(two.stdout, one.stdout);
  assert.equal(two.stderr, one.stderr);
});

for (const version of ['0.12', '13.0']) {
  test(`backfill of a real Prosody ${version} debug log read by workers in 300-byte ranges writes exactly what mod_monthly_visitors wrote`, () => {
    const real = fixture(`prosody-${version}-p1`);
    const data = join(tempDir(), 'data');
    mkdirSync(data); // Prosody's data dir exists: no warning naming this temporary path
    const r = runCli(
      ['backfill', '--data-dir', data, '--mmdb', join(real, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', '--jobs', '2', '-v', join(real, 'prosody.debug.log')],
      { env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: '300' } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /read by up to 2 worker threads/);
    // Both stores read by a real Lua VM: ours must hold the same tables as the module's.
    assert.deepEqual(readStoreWithLua(data), readStoreWithLua(join(real, 'data')));
  });
}
