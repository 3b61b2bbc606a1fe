import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

const DIR = fixture('prosody-0.12-captured');
const MMDB = join(DIR, 'test-GeoIP2-City.mmdb');
const LOG = readFileSync(join(DIR, 'month-boundary.debug.log'));

function backfill(data: string, inputs: string[], input?: Buffer) {
  return runCli(
    ['backfill', '--data-dir', data, '--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', ...inputs],
    { input },
  );
}

/** File contents only (paths relative to the data dir), to compare two stores byte for byte. */
function contents(data: string): Map<string, string> {
  return new Map([...snapshotTree(data)].map(([p, v]) => [p.slice(data.length), v.replace(/^\S+ /, '')]));
}

/** Cuts a log into n pieces at line starts chosen so that sessions are cut between connect and bind. */
function cutPoints(log: Buffer, n: number): number[] {
  const text = log.toString('latin1');
  const points: number[] = [];
  let from = 0;
  for (let i = 1; i < n; i++) {
    // The line after a `Client connected` one: that session's bind is in the next piece.
    const at = text.indexOf('Client connected\n', from + Math.floor(text.length / n));
    const cut = text.indexOf('\n', at) + 1;
    points.push(cut);
    from = cut;
  }
  return points;
}

test('backfill over shuffled rotated pieces, some gzipped, equals backfill over the whole log', () => {
  const whole = join(tempDir(), 'data');
  assert.equal(backfill(whole, [join(DIR, 'month-boundary.debug.log')]).code, 0);

  const dir = tempDir();
  const cuts = [0, ...cutPoints(LOG, 4), LOG.length];
  const pieces = cuts.slice(1).map((end, i) => LOG.subarray(cuts[i], end));
  // Oldest piece has the highest number, as logrotate names them; old ones compressed.
  const names = ['prosody.log.3.gz', 'prosody.log.2.gz', 'prosody.log.1', 'prosody.log'];
  names.forEach((name, i) => writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(pieces[i]) : pieces[i]));

  const data = join(tempDir(), 'data');
  const shuffled = ['prosody.log.1', 'prosody.log.3.gz', 'prosody.log', 'prosody.log.2.gz'].map((n) => join(dir, n));
  const r = backfill(data, shuffled);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(contents(data), contents(whole));

  // The same pieces named by their directory, and a glob.
  const viaDir = join(tempDir(), 'data');
  assert.equal(backfill(viaDir, [dir]).code, 0);
  assert.deepEqual(contents(viaDir), contents(whole));
  const viaGlob = join(tempDir(), 'data');
  assert.equal(backfill(viaGlob, [join(dir, 'prosody.log*')]).code, 0);
  assert.deepEqual(contents(viaGlob), contents(whole));
});

test('a gzipped log on standard input is read like the file', () => {
  const whole = join(tempDir(), 'data');
  assert.equal(backfill(whole, [join(DIR, 'month-boundary.debug.log')]).code, 0);
  const data = join(tempDir(), 'data');
  const r = backfill(data, ['-'], gzipSync(LOG));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(contents(data), contents(whole));
});

test('logs of two servers given in either order give the same store (merged by time)', () => {
  const a = join(DIR, 'month-boundary.debug.log');
  const b = join(fixture('prosody-0.12-p1'), 'prosody.debug.log');
  const ab = join(tempDir(), 'data');
  const ba = join(tempDir(), 'data');
  assert.equal(backfill(ab, [a, b]).code, 0);
  assert.equal(backfill(ba, [b, a]).code, 0);
  assert.deepEqual(contents(ab), contents(ba));
});

test('a corrupt gzip piece is a clear error naming it, and nothing is written', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'logs'));
  const bad = join(dir, 'logs', 'prosody.log.1.gz');
  writeFileSync(bad, gzipSync(LOG).subarray(0, 5000));
  const data = join(dir, 'data');
  const r = backfill(data, [bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /prosody\.log\.1\.gz: .*(corrupt|truncated|unexpected end)/i);
  assert.deepEqual(snapshotTree(dir).has(`${data}/`), false);
});
