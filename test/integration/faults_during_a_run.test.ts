/**
 * Faults around a run (SPEC §3, §6, §10): a full disk, a read-only data dir, one user file that
 * cannot be read, a corrupt compressed log, the GeoIP database replaced mid-run, two runs at once.
 * Each ends with a one-line message and a non-zero exit where the work was not done, and the store
 * is the state before or the state after the whole batch, never in between (a batch that was
 * decided — its journal written — is finished by the next run).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';

const P1 = fixture('prosody-0.12-p1');
const MMDB = join(P1, 'test-GeoIP2-City.mmdb');
const JOURNAL = 'monthly-visitors.journal';
const LOCK = 'monthly-visitors.lock';

/** October logins: alice (already in the store for September) and new users, from a known address. */
const USERS = ['alice', 'bob', 'carol'];
const LOG_TEXT = USERS.map(
  (u, i) =>
    `Oct 0${i + 1} 09:00:00 conn${i}\tdebug\tNew connection FD 15 (127.0.1.10, 35489, 127.0.0.1, 5222) on server FD 8 (127.0.0.1, 5222)\n` +
    `Oct 0${i + 1} 09:00:00 c2s${i}\tinfo\tClient connected\nOct 0${i + 1} 09:00:00 c2s${i}\tdebug\tResource bound: ${u}@example.com/Gajim\n`,
).join('');

function args(data: string, ...logs: string[]): string[] {
  return ['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', ...logs];
}

function writeLog(dir: string): string {
  const log = join(dir, 'prosody.log');
  writeFileSync(log, LOG_TEXT);
  return log;
}

/** The store a fault-free run gives, read by a real Lua VM. */
const AFTER = (() => {
  const dir = tempDir();
  const data = copyTree(join(P1, 'data'), join(dir, 'data'));
  const r = runCli(args(data, writeLog(dir)));
  assert.equal(r.code, 0, r.stderr);
  return readStoreWithLua(data);
})();
const BEFORE = readStoreWithLua(join(P1, 'data'));

function assertOneLineFailure(r: CliResult, what: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^monthly-visitors: /);
  assert.match(lines[0]!, what);
}

/** A fresh tmpfs of `kb` KiB, or undefined (with the reason) where mounting is not permitted. */
function mountTmpfs(t: TestContext, kb: number): string | undefined {
  const dir = tempDir();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k,mode=755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()}); run as root to test a full disk`);
    return undefined;
  }
  return dir;
}

function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}

test('disk_full_at_every_point_of_a_batch: the store is the state before or after, and the next run finishes it', (t) => {
  const mnt = mountTmpfs(t, 512);
  if (mnt === undefined) return;
  try {
    const log = writeLog(tempDir());
    const outcomes: string[] = [];
    // Leave 0, 1, 2 ... pages free: the journal, then each file of the batch, runs out of space in turn.
    for (let freePages = 0; freePages <= USERS.length + 3; freePages++) {
      rmSync(join(mnt, 'data'), { recursive: true, force: true });
      rmSync(join(mnt, 'filler'), { force: true });
      const data = copyTree(join(P1, 'data'), join(mnt, 'data'));
      const fs = statfsSync(mnt);
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, (fs.bavail - freePages) * fs.bsize)));
      const r = runCli(args(data, log));
      if (r.code === 0) {
        outcomes.push(`${freePages}: done`);
        assert.deepEqual(readStoreWithLua(data), AFTER);
        continue;
      }
      assertOneLineFailure(r, /no space left on device \(ENOSPC\)/);
      const decided = existsSync(join(data, JOURNAL));
      outcomes.push(`${freePages}: ENOSPC${decided ? ', journal kept' : ''}`);
      // Undecided: nothing changed. Decided: the next run must finish the batch.
      if (!decided) assert.deepEqual(readStoreWithLua(data), BEFORE);
      else assert.match(r.stderr, /; the batch is kept in monthly-visitors\.journal and the next run completes it$/m);
      rmSync(join(mnt, 'filler'));
      const again = runCli(args(data, log));
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(readStoreWithLua(data), AFTER);
      assert.ok(!existsSync(join(data, JOURNAL)));
    }
    t.diagnostic(outcomes.join('; '));
    assert.ok(outcomes.some((o) => o.includes('ENOSPC')) && outcomes.some((o) => o.endsWith('done')), outcomes.join('; '));
  } finally {
    unmount(mnt);
  }
});

test('read_only_data_dir (read-only file system): exit 1, names the dir, nothing written', (t) => {
  const mnt = mountTmpfs(t, 512);
  if (mnt === undefined) return;
  try {
    const data = copyTree(join(P1, 'data'), join(mnt, 'data'));
    const remount = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
    if (remount.status !== 0) return t.skip(`cannot remount read-only: ${remount.stderr.trim()}`);
    const before = snapshotTree(data);
    const r = runCli(args(data, writeLog(tempDir())));
    assertOneLineFailure(r, new RegExp(`${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the data dir is not writable \\(EROFS\\)`));
    assert.deepEqual(snapshotTree(data), before);
  } finally {
    unmount(mnt);
  }
});

/** Runs the CLI as `nobody`, as tests of permissions must under root. */
function runAsNobody(cliArgs: string[]): CliResult {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...cliArgs], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('permission_denied_on_one_user_file: exit 1, names the file, nothing written', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to hand the data dir to another user');
  if (runAsNobody(['--version']).code !== 0) return t.skip('user nobody cannot run the CLI from this checkout');
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const data = copyTree(join(P1, 'data'), join(dir, 'data'));
  const log = writeLog(dir);
  chmodSync(log, 0o644);
  spawnSync('chown', ['-R', '65534:65534', data]);
  const victim = join(data, 'example%2ecom', 'monthly%2dvisitors', 'alice.dat');
  chownSync(victim, 0, 0);
  chmodSync(victim, 0o600);
  const before = snapshotTree(data);
  const r = runAsNobody(args(data, log));
  assertOneLineFailure(r, /alice\.dat: cannot read it: permission denied \(EACCES\)/);
  assert.deepEqual(snapshotTree(data), before);
});

test('log_truncated_gzip: a compressed log cut short stops the run unwritten (exit 1)', () => {
  const dir = tempDir();
  const data = copyTree(join(P1, 'data'), join(dir, 'data'));
  const gz = gzipSync(readFileSync(writeLog(dir)));
  const cut = join(dir, 'prosody.log.2.gz');
  writeFileSync(cut, gz.subarray(0, gz.length - 20));
  const before = snapshotTree(data);
  assertOneLineFailure(runCli(args(data, cut)), /prosody\.log\.2\.gz: corrupt or truncated gzip data/);
  assert.deepEqual(snapshotTree(data), before);
});

/** Starts a backfill reading stdin and waits (by polling, bounded) until it holds the data dir's lock. */
async function startHoldingLock(data: string, mmdb: string) {
  const child = spawn(process.execPath, [BIN, ...args(data, '-').map((a) => (a === MMDB ? mmdb : a))], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  // Taken means created *and* filled in (it is created empty, then the holder writes its pid).
  const held = () => existsSync(join(data, LOCK)) && readFileSync(join(data, LOCK)).length > 0;
  for (let i = 0; i < 6000 && !held(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!held()) {
    child.kill();
    assert.fail(`the first run did not take the lock: ${stderr}`);
  }
  return {
    /** Ends the run if the test fails before `finish` (it would wait for stdin forever). */
    kill: () => child.kill(),
    finish: async (input: string) => {
      child.stdin.end(input);
      return { code: await exited, stderr: () => stderr };
    },
  };
}

test('two_runs_at_once: the second fails clearly (exit 1) and writes nothing; the first completes', async () => {
  const dir = tempDir();
  const data = copyTree(join(P1, 'data'), join(dir, 'data'));
  const first = await startHoldingLock(data, MMDB);
  try {
    const before = snapshotTree(data);
    const second = runCli(args(data, writeLog(dir)));
    assertOneLineFailure(second, /monthly-visitors\.lock: held by pid \d+ since .*; is another monthly-visitors running\?/);
    assert.deepEqual(snapshotTree(data), before);
  } catch (err) {
    first.kill();
    throw err;
  }
  const done = await first.finish(LOG_TEXT);
  assert.equal(done.code, 0, done.stderr());
  assert.deepEqual(readStoreWithLua(data), AFTER);
  assert.ok(!readdirSync(data).includes(LOCK));
});

test('geoip_replaced_mid_run: the run uses the database it opened, whatever happens to the file', async () => {
  const dir = tempDir();
  const data = copyTree(join(P1, 'data'), join(dir, 'data'));
  const mmdb = join(dir, 'city.mmdb');
  writeFileSync(mmdb, readFileSync(MMDB));
  const run = await startHoldingLock(data, mmdb); // the database is read before the lock is taken
  writeFileSync(join(dir, 'new.mmdb'), 'not a MaxMind database');
  spawnSync('mv', [join(dir, 'new.mmdb'), mmdb]); // the weekly update, done as a rename
  const done = await run.finish(LOG_TEXT);
  assert.equal(done.code, 0, done.stderr());
  assert.deepEqual(readStoreWithLua(data), AFTER);
  // And a run that starts with the broken file stops before writing.
  const before = snapshotTree(data);
  const r = runCli(args(data, writeLog(dir)).map((a) => (a === MMDB ? mmdb : a)));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /city\.mmdb: not a MaxMind DB/);
  assert.deepEqual(snapshotTree(data), before);
});
