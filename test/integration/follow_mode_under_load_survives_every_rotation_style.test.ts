import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { append, rotate, storeContents, type RotationStyle } from '../helpers/tail-scenario.js';
import { BENCH_CLIENT_PATTERNS, DEFAULT_OPTIONS, ensureProsodyLogs, pathsFor } from '../../bench/generate-prosody.js';

/**
 * `tail` as a service (`--commit-interval 1 --poll-interval 0.2`) while a busy server writes a
 * few MB of debug log in many writes at line ends and logrotate rotates it (issue 16 §4): with
 * create, copytruncate, compress, and several rotations between two polls. The follower must end
 * with the store one backfill over the same bytes gives — every user of every month.
 *
 * Nothing here depends on timing. To make the follower fall behind the writer — the load under
 * which a copytruncate used to swap the rest of the old content for the new one — the test stops
 * it (SIGSTOP) wherever it happens to be, writes and rotates, and lets it go on (SIGCONT); wherever
 * it stopped, the result must be the same. The end is an event (the checkpoint covers the whole
 * live log); the only deadline is a generous one for a real hang.
 */

const dir = tempDir();
const GENERATED = { ...DEFAULT_OPTIONS, sizeMb: 4, users: 2000, concurrency: 60, startMonth: '2026-07', months: 2, seed: 16, outDir: dir, writeInfo: false };
ensureProsodyLogs(GENERATED);
const LOG = readFileSync(pathsFor(GENERATED).debug);
const MMDB = join(fixture('prosody-0.12-captured'), 'test-GeoIP2-City.mmdb');
const ARGS = ['--mmdb', MMDB, ...BENCH_CLIENT_PATTERNS.flatMap((p) => ['--client-pattern', p]), '--timezone', 'UTC', '--year', '2026'];
const WRITES = 40;
const HANG_MS = 300_000;

/** The log cut into WRITES writes at line ends (~100 KB each). */
const PARTS = (() => {
  const bounds = [0];
  for (let i = 1; i < WRITES; i++) bounds.push(LOG.indexOf(0x0a, Math.floor((LOG.length * i) / WRITES)) + 1);
  bounds.push(LOG.length);
  return bounds.slice(1).map((end, i) => LOG.subarray(bounds[i], end));
})();

const EXPECTED = (() => {
  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, LOG);
  const data = join(tempDir(), 'data');
  mkdirSync(data); // Prosody's data dir exists (a missing one is created, with a warning)
  const r = runCli(['backfill', '--data-dir', data, ...ARGS, whole]);
  assert.equal(r.code, 0, r.stderr);
  return storeContents(data);
})();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The follower has committed everything the live log holds (an event, polled for). */
async function caughtUp(child: ChildProcess, statePath: string, live: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    assert.equal(child.exitCode, null, 'the follower is still running');
    if (existsSync(statePath) && existsSync(live)) {
      const cp = Object.values(JSON.parse(readFileSync(statePath, 'utf8')).inputs)[0] as { processedTo: number; file: { ino: number } };
      const st = statSync(live);
      if (cp.processedTo === st.size && cp.file.ino === st.ino) return;
    }
    if (Date.now() - started > HANG_MS) assert.fail('the follower never caught up with the log (a hang)');
    await sleep(50);
  }
}

function committed(statePath: string): number {
  if (!existsSync(statePath)) return 0;
  return (Object.values(JSON.parse(readFileSync(statePath, 'utf8')).inputs)[0] as { processedTo: number }).processedTo;
}

/**
 * Stops the follower (SIGSTOP), preferably while it is in the middle of reading what was just
 * written: it commits after each 1 MiB chunk, so a checkpoint that moved but does not cover the
 * live log yet means it is most likely reading on. If it catches up first, it is stopped idle —
 * also a case worth testing. Either way the outcome must be the same.
 */
async function stopWhileReading(child: ChildProcess, statePath: string, live: string): Promise<void> {
  const before = committed(statePath);
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > HANG_MS) assert.fail('the follower neither read on nor caught up (a hang)');
    child.kill('SIGSTOP');
    const now = committed(statePath);
    const size = statSync(live).size;
    if ((now > before && now < size) || now === size) return;
    child.kill('SIGCONT');
    await sleep(1);
  }
}

/**
 * Writes the log while the follower runs; at each `rotations` index, with the follower stopped
 * wherever it is, writes a few more parts, rotates (each style given, writes between), writes on.
 */
async function writeWhileFollowing(styles: RotationStyle[][], at: number[]): Promise<void> {
  const work = tempDir();
  const live = join(work, 'prosody.log');
  const data = join(work, 'data');
  mkdirSync(data); // Prosody's data dir exists (a missing one is created, with a warning)
  const statePath = join(data, 'monthly-visitors.tail-state.json');
  append(live, PARTS[0]);
  const child = spawn(
    process.execPath,
    // Small batches: a commit after each chunk read, which shows where the follower is.
    [BIN, 'tail', '--commit-interval', '1', '--poll-interval', '0.2', '--commit-lines', '1000', '--data-dir', data, ...ARGS, live],
    { env: { ...process.env, NO_COLOR: '1', MONTHLY_VISITORS_PROSODY_CONFIG: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let generation = 0;
  try {
    await caughtUp(child, statePath, live); // running and reading: the load starts now
    for (let i = 1; i < PARTS.length; i++) {
      const k = at.indexOf(i);
      if (k < 0) {
        append(live, PARTS[i]);
        continue;
      }
      await stopWhileReading(child, statePath, live);
      const reachedBefore = statSync(live).size;
      append(live, PARTS[i]);
      for (const style of styles[k]) {
        rotate(live, style, generation++);
        if (i + 1 < PARTS.length) append(live, PARTS[++i]);
      }
      // The server writes on past where the follower was (what a copytruncate under load meets).
      while (statSync(live).size <= reachedBefore && i + 1 < PARTS.length) append(live, PARTS[++i]);
      child.kill('SIGCONT');
    }
    await caughtUp(child, statePath, live);
  } finally {
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  assert.doesNotMatch(stderr, /warning/, stderr);
  assert.deepEqual(storeContents(data), EXPECTED);
}

test('follow mode under load, logrotate create halfway: one backfill of the same bytes', { timeout: HANG_MS * 2 }, async () => {
  await writeWhileFollowing([['rename']], [WRITES / 2]);
});

test('follow mode under load, copytruncate twice: one backfill of the same bytes', { timeout: HANG_MS * 2 }, async () => {
  await writeWhileFollowing([['copytruncate'], ['copytruncate']], [12, 30]);
});

test('follow mode under load, compress (no delaycompress) halfway: one backfill of the same bytes', { timeout: HANG_MS * 2 }, async () => {
  await writeWhileFollowing([['rename-gzip']], [WRITES / 2]);
});

test('follow mode under load, several rotations of every style between two polls: one backfill of the same bytes', { timeout: HANG_MS * 2 }, async () => {
  await writeWhileFollowing(
    [
      ['copytruncate', 'rename', 'rename-gzip'],
      ['rename', 'copytruncate', 'copytruncate', 'rename-gzip'],
    ],
    [8, 24],
  );
});
