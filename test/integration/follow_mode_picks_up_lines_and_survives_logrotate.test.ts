import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { append, chunksAt, rotate, storeContents } from '../helpers/tail-scenario.js';

/**
 * The service: `tail` follows a live log while the server appends to it and logrotate rotates it
 * (a real `logrotate` run when the machine has one, else the same renames), is told to reload
 * (SIGHUP) and to stop (SIGTERM). The store must keep up and end as one backfill's.
 */

const DIR = fixture('prosody-0.12-captured');
const MMDB = join(DIR, 'test-GeoIP2-City.mmdb');
const LOG = readFileSync(join(DIR, 'month-boundary.debug.log'));
const ARGS = [...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'];
const LOGROTATE = ['/usr/sbin/logrotate', '/sbin/logrotate'].find((p) => existsSync(p));

/** Cut at line ends, so that logrotate (which never splits a line) rotates between lines. */
function lineCuts(log: Buffer, n: number): number[] {
  const cuts: number[] = [];
  for (let i = 1; i < n; i++) cuts.push(log.indexOf(0x0a, Math.floor((log.length * i) / n)) + 1);
  return cuts;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `done()` holds (the store caught up); fails after a generous deadline, not a speed target. */
async function until(done: () => boolean, what: string): Promise<number> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > 300_000) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}

/** The follower has committed everything up to the end of the live log. */
function caughtUp(statePath: string, live: string): boolean {
  if (!existsSync(statePath) || !existsSync(live)) return false;
  const cp = Object.values(JSON.parse(readFileSync(statePath, 'utf8')).inputs)[0] as { processedTo: number; file: { ino: number } };
  const size = readFileSync(live).length;
  return size > 0 && cp.processedTo === size && cp.file.ino === statSync(live).ino;
}

function logrotate(dir: string, live: string, directives: string, fallback: () => void): void {
  if (LOGROTATE === undefined) return fallback();
  const conf = join(dir, 'logrotate.conf');
  writeFileSync(conf, `${live} {\n  rotate 9\n  missingok\n  ${directives}\n}\n`);
  const r = spawnSync(LOGROTATE, ['-f', '-s', join(dir, 'logrotate.state'), conf], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('follow mode commits new lines within the commit interval and survives create, copytruncate and compress rotations', async (t) => {
  if (LOGROTATE === undefined) t.diagnostic('logrotate is not installed: rotating with the same renames instead');
  const dir = tempDir();
  const live = join(dir, 'prosody.log');
  const data = join(dir, 'data');
  const statePath = join(data, 'monthly-visitors.tail-state.json');
  const chunks = chunksAt(LOG, lineCuts(LOG, 8));
  append(live, chunks[0]);

  const child = spawn(
    process.execPath,
    [BIN, 'tail', '--verbose', '--commit-interval', '0.5', '--poll-interval', '0.2', '--data-dir', data, '--mmdb', MMDB, ...ARGS, live],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const latencies = [await until(() => caughtUp(statePath, live), 'the first chunk')];
    const rotations: Array<() => void> = [
      () => logrotate(dir, live, 'create', () => rotate(live, 'rename', 0)),
      () => logrotate(dir, live, 'copytruncate', () => rotate(live, 'copytruncate', 1)),
      () => logrotate(dir, live, 'compress\n  create', () => rotate(live, 'rename-gzip', 2)),
    ];
    for (const [i, chunk] of chunks.slice(1).entries()) {
      if (i % 2 === 0 && rotations.length > 0) {
        // Lines the follower has most likely not read yet, then the rotation, then new lines.
        const half = chunk.indexOf(0x0a, chunk.length >> 1) + 1;
        append(live, chunk.subarray(0, half));
        rotations.shift()!();
        append(live, chunk.subarray(half));
      } else {
        append(live, chunk);
      }
      if (i === 3) child.kill('SIGHUP');
      latencies.push(await until(() => caughtUp(statePath, live), `chunk ${i + 1}`));
    }
    t.diagnostic(`store caught up ${latencies.map((ms) => `${ms} ms`).join(', ')} after each append (commit interval 500 ms, poll 200 ms)`);
    assert.match(stderr, /re-read .*\.mmdb/, 'SIGHUP re-reads the GeoIP database');
  } finally {
    child.kill('SIGTERM');
  }
  const { code } = await exited;
  assert.equal(code, 0, stderr);

  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, LOG);
  const expected = join(tempDir(), 'data');
  assert.equal(runCli(['backfill', '--data-dir', expected, '--mmdb', MMDB, ...ARGS, whole]).code, 0);
  assert.deepEqual(storeContents(data), storeContents(expected));
});
