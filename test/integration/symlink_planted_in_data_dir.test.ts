/**
 * A local user who can write into the data dir plants a symlink where the next run will write,
 * hoping the tool (often run as root) overwrites another file (SPEC §3, §10). Each place a run
 * writes is tried: host folder, user folder, user .dat (existing and new), its `~`, host .dat,
 * the journal and the lock. Every run refuses before writing anything: exit 1, one line naming
 * the link, the data dir and the link's target unchanged. A FIFO planted in the same places must
 * not make the run wait forever for a writer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { copyTree, tempDir } from '../helpers/tree.js';

const P1 = fixture('prosody-0.12-p1');
const MMDB = join(P1, 'test-GeoIP2-City.mmdb');

/** October logins of users the fixture store already has (September), and of a new one. */
const LOG_LINES = ['alice', 'newcomer']
  .map((u, i) => `Oct 0${i + 1} 09:00:00 c2s${i}\tinfo\tClient connected\nOct 0${i + 1} 09:00:00 c2s${i}\tdebug\tResource bound: ${u}@example.com/Gajim\n`)
  .join('');

/** Every entry with its bytes, mode, or link target (lstat: links are recorded, not followed). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(p, `-> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(`${p}/`, `dir ${st.mode.toString(8)}`);
        walk(p);
      } else if (!st.isFile()) out.set(p, `special ${st.mode.toString(8)}`);
      else out.set(p, `${st.mode.toString(8)} ${readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir);
  return out;
}

interface Setup {
  root: string;
  data: string;
  outside: string;
  log: string;
}

function setup(): Setup {
  const root = tempDir();
  const data = copyTree(join(P1, 'data'), join(root, 'data'));
  const outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'root:x:0:0:do not touch\n');
  const log = join(root, 'prosody.log');
  writeFileSync(log, LOG_LINES);
  return { root, data, outside, log };
}

const HOST = 'example%2ecom';
const STORE = 'monthly%2dvisitors';

/** Plants the link, runs a real backfill, and checks the refusal. */
function plantAndRun(name: string, plant: (s: Setup) => string): void {
  test(`symlink_planted_${name}: refused before anything is written`, () => {
    const s = setup();
    const link = plant(s);
    assert.ok(lstatSync(link).isSymbolicLink());
    const before = snapshot(s.data);
    const outsideBefore = snapshot(s.outside);
    const r = runCli(['backfill', '--data-dir', s.data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', s.log]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^monthly-visitors: .*: is a symbolic link; refusing/);
    assert.ok(lines[0]!.includes(link), `names the link: ${lines[0]}`);
    assert.deepEqual(snapshot(s.data), before);
    assert.deepEqual(snapshot(s.outside), outsideBefore);
  });
}

/** Moves a real folder outside and leaves a symlink to it in its place. */
function swapDirForLink(s: Setup, rel: string): string {
  const p = join(s.data, rel);
  const moved = join(s.outside, 'moved');
  renameSync(p, moved);
  symlinkSync(moved, p);
  return p;
}

plantAndRun('host_dir', (s) => swapDirForLink(s, HOST));
plantAndRun('user_dir', (s) => swapDirForLink(s, join(HOST, STORE)));
// The target holds valid data (else reading it already stops the run): the write must refuse it.
plantAndRun('user_dat', (s) => {
  const p = join(s.data, HOST, STORE, 'alice.dat');
  renameSync(p, join(s.outside, 'alice.dat'));
  symlinkSync(join(s.outside, 'alice.dat'), p);
  return p;
});
plantAndRun('new_user_dat_dangling', (s) => {
  const p = join(s.data, HOST, STORE, 'newcomer.dat');
  symlinkSync(join(s.outside, 'created-by-root'), p);
  return p;
});
plantAndRun('user_dat_tmp', (s) => {
  const p = join(s.data, HOST, STORE, 'alice.dat~');
  symlinkSync(join(s.outside, 'victim'), p);
  return p;
});
plantAndRun('host_dat', (s) => {
  const p = join(s.data, HOST, `${STORE}.dat`);
  renameSync(p, join(s.outside, 'host.dat'));
  symlinkSync(join(s.outside, 'host.dat'), p);
  return p;
});
plantAndRun('journal', (s) => {
  const p = join(s.data, 'monthly-visitors.journal');
  symlinkSync(join(s.outside, 'victim'), p);
  return p;
});
plantAndRun('lock_file', (s) => {
  const p = join(s.data, 'monthly-visitors.lock');
  symlinkSync(join(s.outside, 'victim'), p);
  return p;
});

/** A FIFO where a file is read (journal, lock, records): a clear refusal, not a hang. */
function plantFifoAndRun(name: string, rel: (s: Setup) => string): void {
  test(`fifo_planted_${name}: refused at once, nothing written`, (t) => {
    const s = setup();
    const p = join(s.data, rel(s));
    rmSync(p, { force: true });
    if (spawnSync('mkfifo', [p]).status !== 0) return t.skip('mkfifo is not available');
    const before = snapshot(s.data);
    // A bounded wait: if the run blocked on the FIFO, it is killed and the test fails.
    const r = spawnSync(process.execPath, [BIN, 'backfill', '--data-dir', s.data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', s.log], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    assert.equal(r.signal, null, 'the run hung on the FIFO');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^monthly-visitors: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not a (regular|record) file`));
    assert.deepEqual(snapshot(s.data), before);
  });
}

plantFifoAndRun('journal', () => 'monthly-visitors.journal');
plantFifoAndRun('lock_file', () => 'monthly-visitors.lock');
plantFifoAndRun('user_dat', () => join(HOST, STORE, 'alice.dat'));
plantFifoAndRun('host_dat', () => join(HOST, `${STORE}.dat`));
