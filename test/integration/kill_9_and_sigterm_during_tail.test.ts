import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { rng, storeContents } from '../helpers/tail-scenario.js';
import { BENCH_CLIENT_PATTERNS, DEFAULT_OPTIONS, ensureProsodyLogs, pathsFor } from '../../bench/generate-prosody.js';

/**
 * The safety property of SPEC §6: stopping `tail` at any instant and running it again gives
 * exactly the store one uninterrupted run gives. A generated debug log of a few thousand users
 * (the benchmark's generator: sessions interleaved, ~25 lines per login, noise) is read with small
 * batches, so that kills land while reading, while writing the journal and while applying it.
 */

const MMDB = fixture('prosody-0.12-captured', 'test-GeoIP2-City.mmdb');
const dir = tempDir('mv-kill-');
const generated = ensureProsodyLogs({
  ...DEFAULT_OPTIONS,
  sizeMb: 16,
  users: 3000,
  concurrency: 60,
  startMonth: '2026-07',
  months: 2,
  seed: 11,
  outDir: dir,
  writeInfo: false,
});
const LOG = pathsFor({ ...DEFAULT_OPTIONS, sizeMb: 16, users: 3000, concurrency: 60, startMonth: '2026-07', months: 2, seed: 11, outDir: dir }).debug;
const PATTERNS = BENCH_CLIENT_PATTERNS.flatMap((p) => ['--client-pattern', p]);
const ARGS = (data: string) => ['tail', '--once', '--commit-lines', '400', '--data-dir', data, '--mmdb', MMDB, ...PATTERNS, '--timezone', 'UTC', '--year', '2026', LOG];

function runUntilDone(data: string): void {
  const r = runCli(ARGS(data));
  assert.equal(r.code, 0, r.stderr);
}

/**
 * Starts a run and stops it with `signal` after `ms` — counted from its start for SIGKILL (any
 * instant), from its first words for SIGTERM (a signal before Node has started the program at
 * all ends it the default way, which is just as safe but not the graceful stop under test).
 */
function interrupt(data: string, ms: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const args = signal === 'SIGKILL' ? ARGS(data) : [...ARGS(data), '--verbose'];
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => (timer ??= setTimeout(() => child.kill(signal), ms));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/reading 1 log/.test(stderr)) arm();
    });
    if (signal === 'SIGKILL') arm();
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stderr });
    });
  });
}

const uninterrupted = join(dir, 'uninterrupted');
let fullRunMs = 0;
let startupMs = 0;

test('the uninterrupted tail run equals one backfill over the log', () => {
  assert.ok(generated.expected.debugLogins > 1500, 'a log with many logins');
  const started = Date.now();
  runUntilDone(uninterrupted);
  fullRunMs = Date.now() - started;
  const idle = Date.now();
  runUntilDone(uninterrupted); // nothing new: what a run costs before it reads anything
  startupMs = Date.now() - idle;
  const backfilled = join(dir, 'backfilled');
  const r = runCli(['backfill', '--data-dir', backfilled, '--mmdb', MMDB, ...PATTERNS, '--timezone', 'UTC', '--year', '2026', LOG]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(storeContents(uninterrupted), storeContents(backfilled));
});

test('kill -9 at 50 random moments, restarting each time: the final store is byte for byte the uninterrupted one', async (t) => {
  const data = join(dir, 'killed');
  const next = rng(50);
  let duringCommit = 0;
  let progressed = 0;
  let before = '';
  let span = Math.max(50, (fullRunMs - startupMs) / 25);
  for (let i = 0; i < 50; i++) {
    // Spread over the work: each run gets its start-up plus a random part of a span that starts
    // at a 25th of the reading and adapts — longer after a run that got nowhere (a slow machine),
    // shorter after one that committed — so the 50 kills fall all along the log.
    const r = await interrupt(data, Math.floor(startupMs * 0.8 + next() * span), 'SIGKILL');
    if (existsSync(join(data, 'monthly-visitors.journal'))) duringCommit++;
    const state = existsSync(join(data, 'monthly-visitors.tail-state.json')) ? readFileSync(join(data, 'monthly-visitors.tail-state.json'), 'utf8') : '';
    if (state !== before) progressed++;
    span = state !== before ? span * 0.8 : span * 1.5;
    before = state;
    assert.ok(r.code === 0 || r.signal === 'SIGKILL', `run ${i}: ${r.code} ${r.signal} ${r.stderr}`);
  }
  t.diagnostic(`${progressed} of 50 killed runs committed progress; ${duringCommit} were killed during a commit (journal left behind)`);
  assert.ok(progressed >= 3, 'the kills fell along the work, not all before the first commit');
  runUntilDone(data);
  assert.deepEqual(storeContents(data), storeContents(uninterrupted));
});

test('SIGTERM at 10 random moments: each run finishes its batch and exits 0; the final store is the uninterrupted one', async (t) => {
  const data = join(dir, 'terminated');
  const next = rng(10);
  let before = '';
  let progressed = 0;
  for (let i = 0; i < 10; i++) {
    const r = await interrupt(data, Math.floor(next() * ((fullRunMs - startupMs) / 5)), 'SIGTERM');
    // A signal that arrives while Node tears the finished process down takes the default action.
    const finished = /wrote \d+ files/.test(r.stderr);
    assert.ok(r.code === 0 || (finished && r.signal === 'SIGTERM'), `run ${i}: ${r.code} ${r.signal} ${r.stderr}`);
    assert.ok(!existsSync(join(data, 'monthly-visitors.journal')), 'a clean stop leaves no journal');
    const state = existsSync(join(data, 'monthly-visitors.tail-state.json')) ? readFileSync(join(data, 'monthly-visitors.tail-state.json'), 'utf8') : '';
    if (state !== before) progressed++;
    before = state;
  }
  t.diagnostic(`${progressed} of 10 stopped runs committed progress`);
  runUntilDone(data);
  assert.deepEqual(storeContents(data), storeContents(uninterrupted));
});
