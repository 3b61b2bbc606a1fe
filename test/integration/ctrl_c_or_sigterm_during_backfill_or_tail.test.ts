import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { dataDirBytes, differingPaths, runAtPoint } from '../helpers/crash-run.js';

/**
 * An operator presses Ctrl-C (SIGINT) or systemd stops the unit (SIGTERM) in the middle of a run.
 * The signal is delivered by the process to itself at a named point (src/crash-points.ts), so the
 * moment is exact on any machine: while the log is read, nothing is written and the lock is gone;
 * once the commit has begun, it finishes and the run exits 0.
 */

const MMDB = fixture('prosody-0.12-captured', 'test-GeoIP2-City.mmdb');
const LOG = fixture('prosody-0.12-captured', 'month-boundary.debug.log');
const OTHER = fixture('prosody-0.12-captured', 'new-year.debug.log');
const dir = tempDir('mv-interrupt-');
const backfill = (data: string, log = LOG) => ['backfill', '-q', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2024', log];
const tail = (data: string) => ['tail', '--once', '-q', '--commit-lines', '1', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2024', LOG];

/** A data dir that already holds another log's months. */
function existing(name: string): string {
  const data = join(dir, name);
  rmSync(data, { recursive: true, force: true });
  const r = runAtPoint(backfill(data, OTHER));
  assert.equal(r.code, 0, r.stderr);
  return data;
}

const expectedAfterBackfill = (() => {
  const data = existing('backfill-clean');
  assert.equal(runAtPoint(backfill(data)).code, 0);
  return dataDirBytes(data);
})();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} while backfill reads the log: one line, exit 1, nothing written, no lock left`, () => {
    const data = existing(`read-${signal}`);
    const before = snapshotTree(data);
    const r = runAtPoint(backfill(data), `log-chunk-read:1:${signal}`);
    assert.equal(r.signal, null, 'the process handled the signal');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'monthly-visitors: interrupted: nothing was written\n');
    assert.deepEqual(snapshotTree(data), before, 'not a byte changed, no lock, no journal');
    // The next run is not blocked by a stale lock and does the whole work.
    assert.equal(runAtPoint(backfill(data)).code, 0);
    assert.deepEqual(differingPaths(dataDirBytes(data), expectedAfterBackfill), []);
  });

  test(`${signal} while backfill reads into a data dir it created: the folder is gone again`, () => {
    const data = join(dir, `fresh-${signal}`);
    const r = runAtPoint(backfill(data), `log-chunk-read:1:${signal}`);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!existsSync(data));
  });

  for (const point of ['journal-synced:1', 'file-applied:2', 'journal-removed:1']) {
    test(`${signal} during backfill's commit (${point}): the commit finishes, exit 0, the store is complete`, () => {
      const data = existing(`commit-${signal}-${point}`);
      const r = runAtPoint(backfill(data), `${point}:${signal}`);
      assert.equal(r.signal, null);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!existsSync(join(data, 'monthly-visitors.journal')));
      assert.ok(!existsSync(join(data, 'monthly-visitors.lock')));
      assert.deepEqual(differingPaths(dataDirBytes(data), expectedAfterBackfill), []);
    });
  }
}

test('SIGTERM to tail --once while reading or committing: it commits what it read, exits 0, and the next run completes the work exactly', () => {
  const clean = existing('tail-clean');
  assert.equal(runAtPoint(tail(clean)).code, 0);
  const expected = dataDirBytes(clean);
  for (const point of ['log-chunk-read:1', 'journal-synced:1', 'file-applied:3']) {
    const data = existing('tail-stopped');
    const r = runAtPoint(tail(data), `${point}:SIGTERM`);
    assert.equal(r.signal, null, point);
    assert.equal(r.code, 0, `${point}: ${r.stderr}`);
    assert.ok(!existsSync(join(data, 'monthly-visitors.journal')), `${point}: a clean stop leaves no journal`);
    assert.ok(existsSync(join(data, 'monthly-visitors.tail-state.json')), `${point}: progress is committed`);
    assert.equal(runAtPoint(tail(data)).code, 0);
    assert.deepEqual(differingPaths(dataDirBytes(data), expected), [], point);
  }
});
