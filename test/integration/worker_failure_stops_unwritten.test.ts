import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixture } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';

/**
 * A worker of `--jobs` that meets corrupt gzip data, throws, or stops abruptly ends the run as a
 * serial read would: one line on stderr, exit 1, the data dir untouched, and the process exits
 * (spawnSync returns: no worker is left running, nothing hangs).
 */

const P1 = fixture('prosody-0.12-p1');
const MMDB = join(P1, 'test-GeoIP2-City.mmdb');
const LOG = join(P1, 'prosody.debug.log');

function run(data: string, jobs: string, logs: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return runCli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', '--jobs', jobs, ...logs], {
    env: { MONTHLY_VISITORS_TEST_RANGE_BYTES: '2000', ...env },
  });
}

function assertOneLine(r: CliResult, code: number, what: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^monthly-visitors: /);
  assert.match(lines[0], what);
}

test('a corrupt gzip piece in the middle of a rotated set: the error and exit code of --jobs 1, nothing written', () => {
  const dir = tempDir();
  const data = copyTree(join(P1, 'data'), join(dir, 'data'));
  const lines = readFileSync(LOG, 'utf8').split('\n');
  const third = Math.floor(lines.length / 3);
  const pieces = [lines.slice(0, third), lines.slice(third, 2 * third), lines.slice(2 * third)].map((l) => gzipSync(l.join('\n') + '\n'));
  const corrupt = Buffer.from(pieces[1]);
  corrupt.fill(0x55, 40, corrupt.length - 40); // deflate data garbled, header and trailer intact
  writeFileSync(join(dir, 'prosody.log.3.gz'), pieces[0]);
  writeFileSync(join(dir, 'prosody.log.2.gz'), corrupt);
  writeFileSync(join(dir, 'prosody.log.1.gz'), pieces[2]);
  const logs = ['prosody.log.3.gz', 'prosody.log.2.gz', 'prosody.log.1.gz'].map((n) => join(dir, n));
  const before = snapshotTree(data);
  const serial = run(data, '1', logs);
  assertOneLine(serial, 1, /prosody\.log\.2\.gz: /);
  const parallel = run(data, '2', logs);
  assert.equal(parallel.stderr, serial.stderr);
  assert.equal(parallel.code, serial.code);
  assert.deepEqual(snapshotTree(data), before);
});

for (const [fault, what] of [
  ['exit', /prosody\.debug\.log: the worker thread reading it stopped \(exit code 137\)/],
  ['throw', /prosody\.debug\.log: test fault: a worker threw/],
] as const) {
  test(`a worker that ${fault === 'exit' ? 'stops abruptly (as if killed)' : 'throws'} mid-log: one line, exit 1, nothing written, no hang`, () => {
    const data = copyTree(join(P1, 'data'), join(tempDir(), 'data'));
    const before = snapshotTree(data);
    const r = run(data, '2', [LOG], { MONTHLY_VISITORS_TEST_WORKER_FAULT: fault });
    assertOneLine(r, 1, what);
    assert.deepEqual(snapshotTree(data), before);
    // The hook is test-only and harmless when the log is read on the main thread.
    assert.equal(run(data, '1', [LOG], { MONTHLY_VISITORS_TEST_WORKER_FAULT: fault }).code, 0);
  });
}
