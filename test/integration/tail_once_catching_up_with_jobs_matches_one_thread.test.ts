import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { append, chunksAt, cutsFor, rotate } from '../helpers/tail-scenario.js';
import { DEFAULT_OPTIONS, ensureProsodyLogs } from '../../bench/generate-prosody.js';

/**
 * An operator's cron runs `tail --once` with many cores (`--jobs`): over several rounds, across a
 * rotation that compresses the piece the checkpoint points into and one that keeps it plain, with
 * sessions cut by the checkpoint (connected in one round, logged in the next) and by the workers'
 * ranges, the data dir — statistics AND checkpoint — is byte for byte what `--jobs 1` leaves.
 * Test-only MONTHLY_VISITORS_TEST_RANGE_BYTES sends these small logs to workers in small ranges.
 */

const P1 = fixture('prosody-0.12-p1');
const CAPTURED = fixture('prosody-0.12-captured');
const MMDB = join(P1, 'test-GeoIP2-City.mmdb');
const ARGS = ['--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', '--json'];

interface LogCase {
  readonly name: string;
  readonly log: () => Buffer;
  /** A session's first line: a cut just after it leaves the session waiting at the checkpoint. */
  readonly marker: string;
  readonly rangeBytes: string;
}

const CASES: LogCase[] = [
  { name: 'Prosody 0.12 debug log', log: () => readFileSync(join(P1, 'prosody.debug.log')), marker: 'New connection FD', rangeBytes: '997' },
  { name: 'Prosody debug log across a month boundary', log: () => readFileSync(join(CAPTURED, 'month-boundary.debug.log')), marker: 'New connection FD', rangeBytes: '613' },
  { name: 'Prosody info log', log: () => readFileSync(join(CAPTURED, 'month-boundary.info.log')), marker: 'Authenticated as', rangeBytes: '401' },
  { name: 'ejabberd debug log', log: () => readFileSync(fixture('ejabberd-23.01', 'debug', 'ejabberd.log')), marker: 'Accepted connection', rangeBytes: '1499' },
  { name: 'Prosody through syslog', log: () => readFileSync(fixture('prosody-0.12-syslog', 'syslog.traditional.log')), marker: 'New connection FD', rangeBytes: '701' },
  {
    name: 'generated Prosody debug log across a new year',
    log: () =>
      readFileSync(ensureProsodyLogs({ ...DEFAULT_OPTIONS, sizeMb: 2, users: 300, concurrency: 40, startMonth: '2026-11', months: 3, outDir: tempDir() }).debugPath),
    marker: 'New connection FD',
    rangeBytes: '50000',
  },
];

/** The data dir's files, bytes and modes, by path inside it. */
function tree(data: string): Map<string, string> {
  return new Map([...snapshotTree(data)].map(([p, v]) => [p.slice(data.length), v]));
}

function tail(data: string, live: string, jobs: string, env: NodeJS.ProcessEnv = {}, extra: string[] = []): CliResult {
  return runCli(['tail', '--once', '-v', '--data-dir', data, ...ARGS, '--jobs', jobs, ...extra, live], { env });
}

/** Sessions waiting at some checkpoint (resumeAt before processedTo), over all cases: the straddling case happened. */
let waitingCheckpoints = 0;

for (const c of CASES) {
  test(`tail --once --jobs 3 of a ${c.name}, five cron rounds across rotations: data dir and checkpoint of --jobs 1`, () => {
    const log = c.log();
    const chunks = chunksAt(log, cutsFor(log, 17, 2, c.marker, 4));
    const dir = tempDir();
    const live = join(dir, 'prosody.log');
    const one = join(dir, 'one');
    const three = join(dir, 'three');
    mkdirSync(one);
    mkdirSync(three);
    let next = 0;
    const write = (n: number) => {
      for (const end = Math.min(chunks.length, next + n); next < end; ) append(live, chunks[next++]);
    };
    const rounds: Array<() => void> = [
      () => write(1),
      // The piece the checkpoint points into is compressed: the rest of it is read from the .gz.
      () => (write(1), rotate(live, 'rename-gzip', 1), write(1)),
      // Renamed and kept plain, the older piece shifted to .2.gz.
      () => (write(1), rotate(live, 'rename', 2), write(1)),
      () => write(chunks.length),
      () => {}, // nothing new
    ];
    for (const [k, round] of rounds.entries()) {
      round();
      const serial = tail(one, live, '1');
      assert.equal(serial.code, 0, serial.stderr);
      const parallel = tail(three, live, '3', { MONTHLY_VISITORS_TEST_RANGE_BYTES: c.rangeBytes });
      assert.equal(parallel.code, 0, parallel.stderr);
      assert.equal(/read by up to 3 worker threads/.test(parallel.stderr), k < 4, `round ${k}: workers only when there is something to read\n${parallel.stderr}`);
      assert.deepEqual(tree(three), tree(one), `round ${k}`);
      assert.equal(parallel.stdout, serial.stdout, `round ${k}`);
      const cp = Object.values(JSON.parse(readFileSync(join(one, 'monthly-visitors.tail-state.json'), 'utf8')).inputs)[0] as { resumeAt: number; processedTo: number };
      if (cp.resumeAt < cp.processedTo) waitingCheckpoints++;
    }
    assert.ok(tree(one).size > 3, 'something was counted');
  });
}

test('the rounds above left sessions waiting at checkpoints (the case that needs each kept line’s offset)', () => {
  assert.ok(waitingCheckpoints >= 3, String(waitingCheckpoints));
});

test('a small catch-up with the default --jobs starts no worker; --jobs 0 is a usage error', () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  mkdirSync(data);
  const live = join(dir, 'prosody.log');
  append(live, readFileSync(join(P1, 'prosody.debug.log')));
  const r = runCli(['tail', '--once', '-v', '--data-dir', data, ...ARGS, live]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /worker/);
  const bad = runCli(['tail', '--once', '--data-dir', data, ...ARGS, '--jobs', '0', live]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--jobs 0: give a whole number from 1 to 256/);
});

for (const [fault, what] of [
  ['exit', /prosody\.log: the worker thread reading it stopped \(exit code 137\)/],
  ['throw', /prosody\.log: test fault: a worker threw/],
] as const) {
  test(`a worker that ${fault === 'exit' ? 'stops abruptly' : 'throws'} while tail --once catches up: one line, exit 1, data dir and checkpoint unchanged`, () => {
    const log = readFileSync(join(P1, 'prosody.debug.log'));
    const [first, rest] = chunksAt(log, [log.indexOf('New connection FD', log.length / 3)]);
    const dir = tempDir();
    const data = join(dir, 'data');
    mkdirSync(data);
    const live = join(dir, 'prosody.log');
    append(live, first);
    assert.equal(tail(data, live, '1').code, 0);
    append(live, rest);
    const before = tree(data);
    const r = tail(data, live, '3', { MONTHLY_VISITORS_TEST_RANGE_BYTES: '2000', MONTHLY_VISITORS_TEST_WORKER_FAULT: fault }, ['--commit-interval', '3600', '-q']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^monthly-visitors: /);
    assert.match(lines[0], what);
    assert.deepEqual(tree(data), before);
  });
}

test('killed after any batch it committed while catching up on workers (or told to stop), the next run ends as one --jobs 1 run', () => {
  const dir = tempDir();
  const live = join(dir, 'prosody.log');
  append(live, readFileSync(join(P1, 'prosody.debug.log')));
  const one = join(dir, 'one');
  mkdirSync(one);
  assert.equal(tail(one, live, '1').code, 0);
  const env = { MONTHLY_VISITORS_TEST_RANGE_BYTES: '997' };
  const batches = ['--commit-lines', '150'];
  mkdirSync(join(dir, 'count'));
  const counted = tail(join(dir, 'count'), live, '3', { ...env, MONTHLY_VISITORS_CRASH_AT: 'count' }, batches);
  const commits = Number(/tail-batch-committed=(\d+)/.exec(counted.stderr)?.[1]);
  assert.ok(commits >= 3, counted.stderr);
  for (let k = 1; k <= commits; k++) {
    for (const signal of ['SIGKILL', 'SIGTERM']) {
      const data = join(dir, `k${k}-${signal}`);
      mkdirSync(data);
      const stopped = tail(data, live, '3', { ...env, MONTHLY_VISITORS_CRASH_AT: `tail-batch-committed:${k}:${signal}` }, batches);
      assert.equal(stopped.code, signal === 'SIGKILL' ? -1 : 0, stopped.stderr);
      assert.equal(tail(data, live, '3', env, batches).code, 0);
      assert.deepEqual(tree(data), tree(one), `stopped by ${signal} after commit ${k}`);
    }
  }
});

/** The follower committed everything up to the end of the live log. */
function caughtUp(statePath: string, live: string): boolean {
  if (!existsSync(statePath)) return false;
  const cp = Object.values(JSON.parse(readFileSync(statePath, 'utf8')).inputs)[0] as { processedTo: number; file: { ino: number } };
  return cp.processedTo === statSync(live).size && cp.file.ino === statSync(live).ino;
}

test('a follower started after a rotation catches up on workers: the data dir and checkpoint of tail --once --jobs 1', async () => {
  const log = readFileSync(join(P1, 'prosody.debug.log'));
  // The last chunk written ends just after a session's first line: the checkpoint waits for its login.
  const chunks = chunksAt(log, cutsFor(log, 5, 0, 'New connection FD', 3));
  const dir = tempDir();
  const live = join(dir, 'prosody.log');
  const [one, three] = [join(dir, 'one'), join(dir, 'three')];
  mkdirSync(one);
  mkdirSync(three);
  append(live, chunks[0]);
  for (const data of [one, three]) assert.equal(tail(data, live, '1').code, 0);
  append(live, chunks[1]);
  rotate(live, 'rename-gzip', 1);
  append(live, chunks[2]);
  assert.equal(tail(one, live, '1').code, 0);
  const child = spawn(process.execPath, [BIN, 'tail', '-v', '--poll-interval', '0.05', '--commit-interval', '0.2', '--data-dir', three, ...ARGS, '--jobs', '3', live], {
    env: { ...process.env, MONTHLY_VISITORS_TEST_RANGE_BYTES: '997' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const statePath = join(three, 'monthly-visitors.tail-state.json');
  // Waits for the follower's commit, with a deadline only a hang reaches.
  for (const started = Date.now(); !caughtUp(statePath, live); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > 120_000) assert.fail(`the follower did not catch up\n${stderr}`);
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /prosody\.log: read by up to 3 worker threads/);
  assert.deepEqual(tree(three), tree(one));
  const cp = Object.values(JSON.parse(readFileSync(statePath, 'utf8')).inputs)[0] as { resumeAt: number; processedTo: number };
  assert.ok(cp.resumeAt < cp.processedTo, 'a session waits at the checkpoint');
});
