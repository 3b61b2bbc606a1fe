import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixture } from '../helpers/paths.js';
import { newYearRotatedSet } from '../helpers/rotated-set.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';

/**
 * With `--jobs 2` a large log is parsed on a stream worker while the main thread counts its
 * logins (docs/parallel.md). An operator gets byte for byte what `--jobs 1` gives: the data dir,
 * the summary, the partial-month warnings (the times the log covers cross threads), the notices,
 * `events` with each login's local time and `file:line`, and `check`. Test-only
 * MONTHLY_VISITORS_TEST_STREAM_WORKER=1 sends the small real logs to the stream worker.
 */

const MMDB = fixture('prosody-0.12-p1', 'test-GeoIP2-City.mmdb');
const STREAM = { MONTHLY_VISITORS_TEST_STREAM_WORKER: '1' };
const LOGS = [
  fixture('prosody-0.12-p1', 'prosody.debug.log'),
  fixture('prosody-0.12-p1', 'prosody.info.log'),
  fixture('prosody-13.0-p1', 'prosody.debug.log'),
  fixture('prosody-0.12-captured', 'month-boundary.debug.log'),
  fixture('prosody-0.12-captured', 'new-year.info.log'),
  fixture('prosody-0.12-web', 'prosody.debug.log'),
  fixture('prosody-13.0-web', 'prosody.info.log'),
  fixture('ejabberd-23.01', 'debug', 'ejabberd.log'),
  fixture('prosody-0.12-syslog', 'syslog.traditional.log'),
  fixture('containers-prosody-0.12-podman', 'ctr.log'),
];

function cli(args: string[], jobs: string, env: NodeJS.ProcessEnv = {}): CliResult {
  return runCli([...args, '--jobs', jobs], { env: jobs === '1' ? env : { ...STREAM, ...env } });
}

function backfill(jobs: string, logs: string[], extra: string[] = []) {
  const data = join(tempDir(), 'data');
  mkdirSync(data);
  const r = cli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--json', ...extra, ...logs], jobs);
  assert.equal(r.code, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, tree: new Map([...snapshotTree(data)].map(([p, v]) => [p.slice(data.length), v])) };
}

for (const log of LOGS) {
  const name = log.split('/').slice(-2).join('/');
  test(`backfill, events and check of ${name} parsed on a worker thread: what --jobs 1 gives`, () => {
    const one = backfill('1', [log]);
    const two = backfill('2', [log]);
    assert.ok(one.tree.size > 1, 'something was written');
    assert.deepEqual(two.tree, one.tree);
    assert.equal(two.stdout, one.stdout);
    assert.equal(two.stderr, one.stderr);
    const events = (jobs: string) => cli(['events', '--timezone', 'Europe/Berlin', log], jobs);
    const e1 = events('1');
    assert.equal(e1.code, 0, e1.stderr);
    assert.match(e1.stdout, /"time":"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d/); // local times went across
    const e2 = events('2');
    assert.equal(e2.stdout, e1.stdout);
    assert.equal(e2.stderr, e1.stderr);
    const check = (jobs: string) => cli(['check', '--data-dir', fixture('prosody-0.12-p1', 'data'), '--mmdb', MMDB, '--timezone', 'UTC', log], jobs);
    const c1 = check('1');
    const c2 = check('2');
    assert.equal(c2.code, c1.code);
    assert.equal(c2.stdout, c1.stdout);
    assert.equal(c2.stderr, c1.stderr);
  });
}

test('every log at once, each on its own worker thread, merged by time on the main thread: what --jobs 1 gives', () => {
  const one = backfill('1', LOGS);
  const two = backfill('2', LOGS);
  assert.deepEqual(two.tree, one.tree);
  assert.equal(two.stdout, one.stdout);
  assert.equal(two.stderr, one.stderr);
});

test('a rotated set with gzip pieces across a new year, parsed on a worker thread: store, summary and events of --jobs 1', () => {
  const logs = newYearRotatedSet(tempDir());
  const one = backfill('1', logs, ['--year', '2026']);
  const two = backfill('2', logs, ['--year', '2026']);
  assert.deepEqual(two.tree, one.tree);
  assert.equal(two.stdout, one.stdout);
  const events = (jobs: string) => cli(['events', '--timezone', 'UTC', '--year', '2026', ...logs], jobs);
  const e1 = events('1');
  assert.match(e1.stdout, /"month":"2027-01"/);
  assert.equal(events('2').stdout, e1.stdout);
});

for (const [fault, what] of [
  ['exit', /prosody\.debug\.log: the worker thread reading it stopped \(exit code 137\)$/],
  ['throw', /prosody\.debug\.log: test fault: a stream worker threw$/],
] as const) {
  test(`a stream worker that ${fault === 'exit' ? 'stops abruptly (as if killed)' : 'throws'} after its first logins: one line, exit 1, nothing written, no hang`, () => {
    const p1 = fixture('prosody-0.12-p1');
    const data = copyTree(join(p1, 'data'), join(tempDir(), 'data'));
    const before = snapshotTree(data);
    const r = cli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', join(p1, 'prosody.debug.log')], '2', {
      MONTHLY_VISITORS_TEST_STREAM_FAULT: fault,
    });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^monthly-visitors: /);
    assert.match(lines[0], what);
    assert.deepEqual(snapshotTree(data), before);
  });
}

test('a corrupt gzip piece in the middle of a set parsed on a worker thread: the line and exit code of --jobs 1, nothing written', () => {
  const p1 = fixture('prosody-0.12-p1');
  const dir = tempDir();
  const data = copyTree(join(p1, 'data'), join(dir, 'data'));
  const lines = readFileSync(join(p1, 'prosody.debug.log'), 'utf8').split('\n');
  const third = Math.floor(lines.length / 3);
  const pieces = [lines.slice(0, third), lines.slice(third, 2 * third), lines.slice(2 * third)].map((l) => gzipSync(l.join('\n') + '\n'));
  const corrupt = Buffer.from(pieces[1]);
  corrupt.fill(0x55, 40, corrupt.length - 40);
  const names = ['prosody.log.3.gz', 'prosody.log.2.gz', 'prosody.log.1.gz'];
  [pieces[0], corrupt, pieces[2]].forEach((bytes, k) => writeFileSync(join(dir, names[k]), bytes));
  const logs = names.map((n) => join(dir, n));
  const before = snapshotTree(data);
  const run = (jobs: string) => cli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', ...logs], jobs);
  const serial = run('1');
  assert.equal(serial.code, 1, serial.stderr);
  assert.match(serial.stderr, /prosody\.log\.2\.gz: corrupt or truncated gzip data/);
  const parallel = run('2');
  assert.equal(parallel.code, serial.code);
  assert.equal(parallel.stderr, serial.stderr);
  assert.deepEqual(snapshotTree(data), before);
});
