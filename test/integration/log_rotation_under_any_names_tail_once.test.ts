import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { append, chunksAt, storeContents } from '../helpers/tail-scenario.js';

/**
 * `tail --once` from cron while the log's rotated pieces are named in ways logrotate's numbering
 * does not order (issue 16 §4): copies named out of order, a copy and a rename in one interval,
 * `.N` beside `.N.gz`, `olddir`, `dateext` mixed with numbers, a piece deleted before it was read,
 * and a new file in an old file's inode. Each scenario ends byte for byte as one backfill over the
 * lines the runs could see, and reads no piece it had read in full again.
 */

const DIR = fixture('prosody-0.12-captured');
const MMDB = join(DIR, 'test-GeoIP2-City.mmdb');
// October, then November: a later month whose logins a skipped piece would lose.
const LOG = readFileSync(join(DIR, 'month-boundary.debug.log'));
const ARGS = ['--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'];
const LOGROTATE = ['/usr/sbin/logrotate', '/sbin/logrotate'].find((p) => existsSync(p));

/** Eight pieces cut at line ends. */
const CHUNKS = chunksAt(
  LOG,
  [1, 2, 3, 4, 5, 6, 7].map((i) => LOG.indexOf(0x0a, Math.floor((LOG.length * i) / 8)) + 1),
);

interface Scenario {
  readonly dir: string;
  readonly live: string;
  readonly data: string;
  /** Appends chunk i to the live log (the server writing). */
  write(i: number): void;
  /** `tail --once` as cron runs it; returns its stderr. */
  tail(): string;
  /** Log bytes the runs read (decompressed). */
  bytesRead: number;
  /** The last run's logins taken as committed by an earlier run (re-read, not counted). */
  replayed: number;
  /**
   * Bytes of pieces a run said it read again to be safe (modified at the same moment as the file
   * read last, which a coarse file system clock makes common in a fast test).
   */
  announced: number;
}

function scenario(): Scenario {
  const dir = tempDir();
  const live = join(dir, 'prosody.log');
  const data = join(dir, 'data');
  mkdirSync(data); // Prosody's data dir exists (a missing one is created, with a warning)
  const s: Scenario = {
    dir,
    live,
    data,
    bytesRead: 0,
    replayed: 0,
    announced: 0,
    write: (i) => append(live, CHUNKS[i]),
    tail: () => {
      const r = runCli(['tail', '--once', '--json', '--data-dir', data, ...ARGS, live]);
      assert.equal(r.code, 0, r.stderr);
      const input = JSON.parse(r.stdout).inputs[0];
      s.bytesRead += input.bytesRead as number;
      s.replayed = input.replayed as number;
      for (const [, list] of r.stderr.matchAll(/cannot tell whether (.*) came before or after/g)) {
        for (const p of list.split(', ')) s.announced += p.endsWith('.gz') ? gunzipSync(readFileSync(p)).length : statSync(p).size;
      }
      return r.stderr;
    },
  };
  return s;
}

/** The store one backfill over these chunks, as one log, gives. */
function backfillOf(chunks: number[]): Map<string, string> {
  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, Buffer.concat(chunks.map((i) => CHUNKS[i])));
  const data = join(tempDir(), 'data');
  mkdirSync(data); // Prosody's data dir exists (a missing one is created, with a warning)
  const r = runCli(['backfill', '--data-dir', data, ...ARGS, whole]);
  assert.equal(r.code, 0, r.stderr);
  return storeContents(data);
}

function sizeOf(chunks: number[]): number {
  return chunks.reduce((n, i) => n + CHUNKS[i].length, 0);
}

/**
 * Ends as one backfill of `chunks`, and read at most what was there plus the lines of sessions
 * a run ended in the middle of (re-read by the next run to rebuild them: a few KiB each).
 */
function assertLikeOneBackfill(s: Scenario, chunks: number[], runs: number): void {
  assert.deepEqual(storeContents(s.data), backfillOf(chunks));
  assert.ok(
    s.bytesRead <= sizeOf(chunks) + runs * 8192 + s.announced,
    `read ${s.bytesRead} bytes of a ${sizeOf(chunks)}-byte log in ${runs} runs: a piece read in full was read again`,
  );
}

function logrotate(s: Scenario, directives: string): void {
  const conf = join(s.dir, 'logrotate.conf');
  writeFileSync(conf, `${s.live} {\n  rotate 9\n  missingok\n  ${directives}\n}\n`);
  const r = spawnSync(LOGROTATE!, ['-f', '-s', join(s.dir, 'logrotate.state'), conf], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const noWarning = (stderr: string) => assert.doesNotMatch(stderr, /warning/, stderr);

test('numbered pieces out of order: a copy named .2 newer than .1, later .1 beside .1.gz, nothing lost or read twice', () => {
  const s = scenario();
  s.write(0);
  noWarning(s.tail());
  renameSync(s.live, `${s.live}.1`); // create: the read file becomes .1
  s.write(1);
  noWarning(s.tail());
  s.write(2); // unread lines of the live file…
  copyFileSync(s.live, `${s.live}.2`); // …copied under a name logrotate would give an older piece
  truncateSync(s.live, 0);
  s.write(3);
  noWarning(s.tail());
  writeFileSync(`${s.live}.1.gz`, gzipSync(readFileSync(`${s.live}.1`))); // compressed, the plain one kept
  s.write(4);
  noWarning(s.tail());
  renameSync(s.live, `${s.live}.3`);
  s.write(5);
  s.write(6);
  noWarning(s.tail());
  s.write(7);
  noWarning(s.tail());
  assertLikeOneBackfill(s, [0, 1, 2, 3, 4, 5, 6, 7], 6);
});

test('a copy and a rename in one interval: copytruncate, more lines, then rename+create before the next run', () => {
  const s = scenario();
  s.write(0);
  noWarning(s.tail());
  s.write(1);
  copyFileSync(s.live, `${s.live}.1`);
  truncateSync(s.live, 0);
  s.write(2);
  renameSync(`${s.live}.1`, `${s.live}.2`);
  renameSync(s.live, `${s.live}.1`);
  s.write(3);
  noWarning(s.tail());
  s.write(4);
  noWarning(s.tail());
  assertLikeOneBackfill(s, [0, 1, 2, 3, 4], 3);
});

test('.N and .N.gz of the same content side by side, through two shifts', () => {
  const s = scenario();
  s.write(0);
  noWarning(s.tail());
  s.write(1);
  renameSync(s.live, `${s.live}.1`);
  writeFileSync(`${s.live}.1.gz`, gzipSync(readFileSync(`${s.live}.1`)));
  s.write(2);
  noWarning(s.tail());
  s.write(3);
  renameSync(`${s.live}.1`, `${s.live}.2`);
  renameSync(`${s.live}.1.gz`, `${s.live}.2.gz`);
  renameSync(s.live, `${s.live}.1`);
  writeFileSync(`${s.live}.1.gz`, gzipSync(readFileSync(`${s.live}.1`)));
  rmSync(`${s.live}.1`); // only the compressed copy of the piece read last is left
  s.write(4);
  noWarning(s.tail());
  assertLikeOneBackfill(s, [0, 1, 2, 3, 4], 3);
});

test('olddir: logrotate moves the rotated pieces into a folder below the log', (t) => {
  const s = scenario();
  mkdirSync(join(s.dir, 'old'));
  const rotate = () => {
    if (LOGROTATE !== undefined) return logrotate(s, 'olddir old\n  create\n  compress\n  delaycompress');
    // Without logrotate: the same moves.
    if (existsSync(join(s.dir, 'old', 'prosody.log.1'))) {
      writeFileSync(join(s.dir, 'old', 'prosody.log.2.gz'), gzipSync(readFileSync(join(s.dir, 'old', 'prosody.log.1'))));
      rmSync(join(s.dir, 'old', 'prosody.log.1'));
    }
    renameSync(s.live, join(s.dir, 'old', 'prosody.log.1'));
    writeFileSync(s.live, '');
  };
  if (LOGROTATE === undefined) t.diagnostic('logrotate is not installed: the same moves by hand');
  s.write(0);
  noWarning(s.tail());
  s.write(1);
  rotate();
  s.write(2);
  noWarning(s.tail());
  s.write(3);
  rotate();
  s.write(4);
  rotate();
  s.write(5);
  noWarning(s.tail());
  assert.ok(existsSync(join(s.dir, 'old', 'prosody.log.2.gz')), 'the older piece was compressed in olddir');
  assertLikeOneBackfill(s, [0, 1, 2, 3, 4, 5], 3);
});

test('dateext mixed with numbers: the newer piece has the name of an older one', (t) => {
  const s = scenario();
  if (LOGROTATE === undefined) t.diagnostic('logrotate is not installed: the same renames by hand');
  s.write(0);
  noWarning(s.tail());
  s.write(1);
  if (LOGROTATE !== undefined) logrotate(s, 'create');
  else {
    renameSync(s.live, `${s.live}.1`);
    writeFileSync(s.live, '');
  }
  s.write(2);
  // The configuration changes to dateext: the next piece gets a date, which sorts as older than .1.
  if (LOGROTATE !== undefined) logrotate(s, 'create\n  dateext');
  else {
    renameSync(s.live, `${s.live}-20261206`);
    writeFileSync(s.live, '');
  }
  s.write(3);
  noWarning(s.tail());
  s.write(4);
  noWarning(s.tail());
  assertLikeOneBackfill(s, [0, 1, 2, 3, 4], 3);
});

test('a rotated piece deleted before it was read: a warning naming the loss, the rest counted', () => {
  const s = scenario();
  s.write(0);
  noWarning(s.tail());
  s.write(1); // never read: deleted with its piece
  renameSync(s.live, `${s.live}.1`);
  s.write(2);
  renameSync(`${s.live}.1`, `${s.live}.2`);
  renameSync(s.live, `${s.live}.1`);
  rmSync(`${s.live}.2`);
  s.write(3);
  assert.match(s.tail(), /^warning: \S+prosody\.log: the file read last time is gone .*lines written to it since the last run are not counted/m);
  s.write(4);
  noWarning(s.tail());
  assertLikeOneBackfill(s, [0, 2, 3, 4], 3);
});

test('the same inode taken by a new file (a short log read, then replaced in place): the new file is read from its start', () => {
  const s = scenario();
  const short = CHUNKS[0].subarray(0, CHUNKS[0].indexOf(0x0a, 2500) + 1); // under 4 KiB: a short fingerprint
  writeFileSync(s.live, short);
  noWarning(s.tail());
  // The same inode now holds another log: November's, a login within its first KiB.
  const connected = LOG.indexOf('\tinfo\tClient connected', LOG.indexOf('\nNov '));
  const november = LOG.subarray(LOG.lastIndexOf(0x0a, connected) + 1);
  const cut = november.indexOf(0x0a, 10_000) + 1;
  truncateSync(s.live, 0);
  append(s.live, november.subarray(0, cut));
  assert.match(s.tail(), /the file read last time is gone/, 'the old file is gone: its unread rest, if any, cannot be read');
  assert.equal(s.replayed, 0, 'no login of the new file is taken for one the old file had');
  append(s.live, november.subarray(cut));
  noWarning(s.tail());
  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, Buffer.concat([short, november]));
  const expected = join(tempDir(), 'data');
  assert.equal(runCli(['backfill', '--data-dir', expected, ...ARGS, whole]).code, 0);
  assert.deepEqual(storeContents(s.data), storeContents(expected));
});

test('a piece that may be older or newer than the one read last is read again, said in a note, and changes nothing', () => {
  const s = scenario();
  s.write(0);
  s.write(1);
  noWarning(s.tail());
  renameSync(s.live, `${s.live}.1`);
  s.write(2);
  noWarning(s.tail());
  s.write(3);
  renameSync(`${s.live}.1`, `${s.live}.2`);
  renameSync(s.live, `${s.live}.1`);
  s.write(4);
  // The piece read in full two runs ago was modified at the very moment recorded for the file
  // read last (a clock too coarse to order them): which came first cannot be told.
  const statePath = join(s.data, 'monthly-visitors.tail-state.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  state.inputs[s.live].file.mtimeMs = statSync(`${s.live}.2`).mtimeMs;
  writeFileSync(statePath, JSON.stringify(state));
  const r = runCli(['tail', '--once', '--json', '--data-dir', s.data, ...ARGS, s.live]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^note: \S+prosody\.log: cannot tell whether \S+prosody\.log\.2 came before or after the piece read last .*reading it again to be safe/m);
  const summary = JSON.parse(r.stdout);
  const read = summary.inputs[0].bytesRead as number;
  // The rest of the piece read last (from its waiting session), the unsure piece again, the live file.
  assert.ok(read >= sizeOf([0, 1, 3, 4]) && read <= sizeOf([0, 1, 3, 4]) + 8192, `${read} bytes read`);
  assert.ok(summary.alreadyCounted + summary.late > 0, 'its logins are taken as counted (or older than the mark), never counted twice');
  assertLikeOneBackfill(s, [0, 1, 2, 3, 4], 3);
});
