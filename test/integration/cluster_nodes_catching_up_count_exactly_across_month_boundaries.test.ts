import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore, readSqliteStore } from '../helpers/sql-store-reader.js';
import { dealSessions } from '../helpers/deal-sessions.js';
import { CAPTURED, clusterFigures, COUNTING, expectedStore, lcg, mergeStores, nodesIn, round, shuffled, writeLog, type NodeRunResult } from '../helpers/cluster-nodes.js';

// Issue 20's scenario: the sessions of two real Prosody captures (October → November, then
// December → January) dealt out to 4 node logs, every line of a session on one node; the 4 nodes
// are registered (`nodes --add`), then all catch up at once
// with `tail --once`, each committing every few lines, round after round until none waits at a
// month barrier. Without the barrier a node that commits a user's November login first makes the
// other nodes' October logins of that user `late` (the issue saw 2 of 6 and 3 of 7 visitors).
// The oracle: the captures' hand-computed stores (expected/*.json), and one backfill over the
// merged logs: per host and month the same visitors (client sums) and place sums, and the same
// marks. Which of a user's logins of a month gives the client and place is the one whose node
// commits first (README), so the single keys may differ where a user came with two clients.
const NODES = 4;
// The issue asks for 20 repetitions: CI runs them all; a developer's `npm test` runs 3 (MV_CONCURRENCY_RUNS=20 for all).
const RUNS = Number(process.env.MV_CONCURRENCY_RUNS ?? (process.env.CI ? 20 : 3));
// The nodes run after the logs were written (the clock's only use here: no log is idle).
const NOW = '2027-01-02T00:00:00Z';
const EXPECTED = mergeStores(expectedStore('month-boundary.debug.all.json'), expectedStore('new-year.debug.all.json'));



/** One run: returns how many rounds the nodes needed to catch up. */
async function catchUp(seed: number, storeFlags: string[], read: () => StoreJson): Promise<number> {
  const random = lcg(seed);
  const dir = tempDir();
  const nodes = nodesIn(dir, NODES);
  // The operator registers the nodes before their first run, so each is known to the others.
  const add = runCli(['nodes', '--add', ...nodes.map((n) => n.name), ...storeFlags], { env: { MONTHLY_VISITORS_CLOCK: NOW } });
  assert.equal(add.code, 0, add.stderr);
  const texts = nodes.map(() => '');
  for (const capture of ['month-boundary.debug.log', 'new-year.debug.log']) {
    const dealt = dealSessions(readFileSync(join(CAPTURED, capture), 'utf8'), NODES, () => Math.floor(random() * NODES));
    dealt.forEach((t, i) => (texts[i] += t));
  }
  nodes.forEach((n, i) => writeLog(n.log, texts[i]!, NOW));
  const commitLines = new Map(nodes.map((n) => [n.name, String(1 + Math.floor(random() * 12))]));
  let rounds = 0;
  let late = 0;
  for (let held = true; held; ) {
    assert.ok(++rounds <= 12, `seed ${seed}: the nodes still wait after 12 rounds`);
    const results: NodeRunResult[] = await round(shuffled(nodes, random), storeFlags, { clock: NOW, extra: (n) => ['--commit-lines', commitLines.get(n.name)!] });
    held = results.some((r) => r.cluster.held !== null);
    late += results.reduce((n, r) => n + r.late, 0);
  }
  assert.equal(late, 0, `seed ${seed}: no login is late`);
  const store = read();
  const merged = join(dir, 'backfill');
  const b = runCli(['backfill', '-q', '--data-dir', merged, ...COUNTING, ...nodes.map((n) => n.log)]);
  assert.equal(b.code, 0, b.stderr);
  const backfill = readStoreWithLua(merged);
  for (const [oracle, what] of [[EXPECTED, 'the hand-computed store'], [backfill, 'one backfill over the merged logs']] as const) {
    assert.deepEqual(clusterFigures(store), clusterFigures(oracle), `seed ${seed}: visitors and place sums per host and month, and marks, as ${what}`);
  }
  return rounds;
}

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test(`cluster_of_four_nodes_catching_up_into_postgresql: exact across month boundaries, ${RUNS} runs of random commit sizes and start orders`, { skip: pgReason ?? false }, async () => {
  cluster = startPgCluster();
  const pg = cluster;
  const rounds: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const db = pg.createDatabase(`catchup${run}`);
    rounds.push(await catchUp(run, ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db], () => readPgStore(pg, db)));
  }
  console.log(`rounds to catch up over 3 month boundaries: ${rounds.join(', ')}`);
});

test('cluster_of_four_processes_on_one_sqlite_file: the same rules', async () => {
  const file = join(tempDir(), 'prosody.sqlite');
  await catchUp(77, ['--storage', 'sql', '--sql-database', file], () => readSqliteStore(file));
});
