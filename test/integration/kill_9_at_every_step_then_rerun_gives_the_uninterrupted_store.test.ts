import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tree.js';
import { rng } from '../helpers/tail-scenario.js';
import { readSqliteStore } from '../helpers/sql-store-reader.js';
import { dataDirBytes, differingPaths, occurrencesOf, pointCounts, runAtPoint, type PointRun } from '../helpers/crash-run.js';
import { BENCH_CLIENT_PATTERNS, DEFAULT_OPTIONS, ensureProsodyLogs } from '../../bench/generate-prosody.js';

/**
 * SPEC §6's safety property, proved without timing: a run is SIGKILLed at every named crash point
 * of the reading and the commit (src/crash-points.ts), at its first, middle and last occurrence;
 * then the same command runs again to its end. The data dir (statistics, and tail's checkpoint)
 * must be byte for byte — modes included — what one uninterrupted run leaves. Each crash must
 * have happened (the run ended by SIGKILL), so a point that is never reached fails the test.
 */

const MMDB = fixture('prosody-0.12-captured', 'test-GeoIP2-City.mmdb');
const dir = tempDir('mv-crashpoints-');
const LOG = ensureProsodyLogs({
  ...DEFAULT_OPTIONS,
  sizeMb: 3,
  users: 700,
  concurrency: 40,
  startMonth: '2026-07',
  months: 2,
  seed: 17,
  outDir: dir,
  writeInfo: false,
}).debugPath;
const PATTERNS = BENCH_CLIENT_PATTERNS.flatMap((p) => ['--client-pattern', p]);
const COMMON = ['--mmdb', MMDB, ...PATTERNS, '--timezone', 'UTC', '--year', '2026', '-q'];

type Command = 'backfill' | 'tail';
const ARGS: Record<Command, (data: string) => string[]> = {
  backfill: (data) => ['backfill', '--data-dir', data, ...COMMON, LOG],
  // Small batches: several commits, each of many files plus the checkpoint.
  tail: (data) => ['tail', '--once', '--commit-lines', '1000', '--data-dir', data, ...COMMON, LOG],
};

/** An existing store the runs write into (so files are replaced as well as created). */
function seededStore(data: string): void {
  const seed = join(dir, 'seed');
  if (!existsSync(seed)) {
    const r = runAtPoint(['backfill', '--data-dir', seed, ...COMMON, fixture('prosody-0.12-captured', 'month-boundary.debug.log')]);
    assert.equal(r.code, 0, r.stderr);
  }
  rmSync(data, { recursive: true, force: true });
  cpSync(seed, data, { recursive: true });
}

function ok(r: PointRun, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code} ${r.signal}\n${r.stderr}`);
}

for (const command of ['backfill', 'tail'] as const) {
  test(`${command}: kill -9 at every crash point (first, middle, last time), then a rerun, ends byte-identical to one uninterrupted run`, (t) => {
    const clean = join(dir, `${command}-clean`);
    seededStore(clean);
    const { counts, run } = pointCounts(ARGS[command](clean));
    ok(run, 'the uninterrupted run');
    const expected = dataDirBytes(clean);
    assert.ok(!existsSync(join(clean, 'monthly-visitors.journal')));
    for (const p of ['log-chunk-read', 'journal-written', 'journal-synced', 'temp-written', 'file-applied', 'files-synced', 'journal-removed']) {
      assert.ok((counts.get(p) ?? 0) >= 1, `${p} is reached (${[...counts].join(' ')})`);
    }
    if (command === 'tail') assert.ok((counts.get('tail-batch-committed') ?? 0) >= 3, `several tail commits (${[...counts].join(' ')})`);
    const data = join(dir, `${command}-crashed`);
    let scenarios = 0;
    for (const [point, n] of counts) {
      for (const k of occurrencesOf(n)) {
        seededStore(data);
        const crashed = runAtPoint(ARGS[command](data), `${point}:${k}`);
        assert.equal(crashed.signal, 'SIGKILL', `${point}:${k} was reached and killed the run (exit ${crashed.code}: ${crashed.stderr})`);
        const decided = ['journal-synced', 'temp-written', 'file-applied', 'files-synced'].includes(point);
        if (decided) assert.ok(existsSync(join(data, 'monthly-visitors.journal')), `${point}:${k} leaves the decided batch's journal`);
        // The rerun may itself be killed during its recovery; a third run then finishes.
        const again = runAtPoint(ARGS[command](data), decided ? 'file-applied:1' : undefined);
        if (again.signal !== 'SIGKILL') ok(again, `the run after ${point}:${k}`);
        ok(runAtPoint(ARGS[command](data)), `the last run after ${point}:${k}`);
        assert.deepEqual(differingPaths(dataDirBytes(data), expected), [], `after a kill at ${point}:${k}`);
        scenarios++;
      }
    }
    t.diagnostic(`${scenarios} kills at ${counts.size} points (${[...counts].map(([p, n]) => `${p}×${n}`).join(', ')})`);
  });
}

test('tail: chains of kills at random points and occurrences (seeded), each until a run finishes, end byte-identical', (t) => {
  const clean = join(dir, 'chain-clean');
  seededStore(clean);
  const { counts } = pointCounts(ARGS.tail(clean));
  const expected = dataDirBytes(clean);
  const points = [...counts];
  const next = rng(29);
  const data = join(dir, 'chain');
  let kills = 0;
  for (let chain = 0; chain < 6; chain++) {
    seededStore(data);
    let runs = 0;
    for (;;) {
      assert.ok(++runs <= 60, `chain ${chain} finishes`);
      const [point, n] = points[Math.floor(next() * points.length)]!;
      const r = runAtPoint(ARGS.tail(data), `${point}:${1 + Math.floor(next() * n)}`);
      if (r.signal !== 'SIGKILL') {
        ok(r, `chain ${chain}, run ${runs}`); // it did not reach that occurrence: the work is done
        break;
      }
      kills++;
    }
    assert.deepEqual(differingPaths(dataDirBytes(data), expected), [], `chain ${chain}`);
  }
  assert.ok(kills >= 6, `runs were killed (${kills})`);
  t.diagnostic(`${kills} kills in 6 chains`);
});

test('SQLite storage: kill -9 inside and right after each transaction, then a rerun, gives the uninterrupted rows and checkpoint', (t) => {
  const sqlArgs = (db: string, state: string) => ['tail', '--once', '--commit-lines', '1000', '--storage', 'sql', '--sql-driver', 'sqlite3', '--sql-database', db, '--state', state, ...COMMON, LOG];
  const run = (name: string) => {
    const d = join(dir, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d);
    return { db: join(d, 'prosody.sqlite'), state: join(d, 'state.json'), dir: d };
  };
  const clean = run('sql-clean');
  const { counts, run: first } = pointCounts(sqlArgs(clean.db, clean.state));
  ok(first, 'the uninterrupted run');
  const expected = { rows: readSqliteStore(clean.db), state: dataDirBytes(clean.dir).get('/state.json') };
  let scenarios = 0;
  for (const point of ['sql-rows-written', 'sql-committed', 'log-chunk-read']) {
    const n = counts.get(point) ?? 0;
    assert.ok(n >= 2, `${point} is reached several times`);
    for (const k of occurrencesOf(n)) {
      const s = run('sql-crashed');
      assert.equal(runAtPoint(sqlArgs(s.db, s.state), `${point}:${k}`).signal, 'SIGKILL', `${point}:${k}`);
      ok(runAtPoint(sqlArgs(s.db, s.state)), `the run after ${point}:${k}`);
      assert.deepEqual(readSqliteStore(s.db), expected.rows, `rows after a kill at ${point}:${k}`);
      assert.equal(dataDirBytes(s.dir).get('/state.json'), expected.state, `checkpoint after a kill at ${point}:${k}`);
      scenarios++;
    }
  }
  t.diagnostic(`${scenarios} kills`);
});
