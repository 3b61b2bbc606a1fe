import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tree.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore } from '../helpers/sql-store-reader.js';
import { dealSessions, timedLines } from '../helpers/deal-sessions.js';
import { CAPTURED, clusterFigures, COUNTING, expectedStore, nodesIn, runNode, writeLog } from '../helpers/cluster-nodes.js';
import { runCli } from '../helpers/run-cli.js';

// 3 nodes count the month-boundary capture; node2's cron stops at 23:00 on 31 October while its
// server goes on logging (its late-October sessions are the ones after 23:00). The other two
// wait at the November barrier for it — until its watermark has not moved for --node-timeout
// (2h, the default): then they count November, warning that they no longer wait for node2. When
// node2 comes back, its October logins of users the others have marked in November are late:
// counted as late, with a warning naming 2026-10 and the recount; `backfill --replace` over all
// nodes' logs makes the store exact again.
const EXPECTED = expectedStore('month-boundary.debug.all.json');
const at = (iso: string) => `2026-${iso}:00Z`;


const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test('cluster_node_stopped_longer_than_the_timeout: the others go on after it with a warning; its late logins are reported; backfill --replace restores the month', { skip: pgReason ?? false }, async () => {
  cluster = startPgCluster();
  const pg = cluster;
  const db = pg.createDatabase('timeout');
  const flags = ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db];
  const dir = tempDir();
  const nodes = nodesIn(dir, 3);
  const log = readFileSync(join(CAPTURED, 'month-boundary.debug.log'), 'utf8');
  // Sessions of the last hour of October go to node2, the others alternate between node0 and node1.
  const startOf = new Map<string, number>();
  for (const { time, text } of timedLines(log, 2026)) {
    const id = /^\S+ \d+ [\d:]+ (c2s[0-9a-f]+)\t/.exec(text)?.[1];
    if (id !== undefined && !startOf.has(id)) startOf.set(id, time);
  }
  let alternate = 0;
  const lateOctober = (id: string) => startOf.get(id)! >= Date.UTC(2026, 9, 31, 23) && startOf.get(id)! < Date.UTC(2026, 10, 1);
  const lines = dealSessions(log, 3, (id) => (lateOctober(id) ? 2 : alternate++ % 2)).map((t) => timedLines(t, 2026));
  const logUpTo = (k: number, clock: string) => writeLog(nodes[k]!.log, lines[k]!.filter((l) => l.time <= Date.parse(clock)).map((l) => l.text).join(''), clock);
  const run = (k: number, clock: string) => {
    logUpTo(k, clock);
    return runNode(nodes[k]!, flags, { clock });
  };

  // Each node's first cron run registers it; by the next round each knows the others.
  for (const k of [0, 1, 2]) await run(k, at('10-31T22:55'));
  for (const k of [0, 1, 2]) assert.equal((await run(k, at('10-31T23:00'))).cluster.held, null);
  // node2's cron stops here. The others cross midnight and wait for it…
  for (const k of [0, 1]) {
    const r = await run(k, at('11-01T00:30'));
    assert.equal(r.cluster.held?.month, '2026-11', `node${k} at 00:30`);
    assert.ok(r.cluster.held.waitingFor.includes('node2'));
  }
  for (const k of [0, 1]) assert.deepEqual((await run(k, at('11-01T00:59'))).cluster.held, { month: '2026-11', waitingFor: ['node2'] }, `node${k} at 00:59`);
  const listed = runCli(['nodes', '--json', ...flags], { env: { MONTHLY_VISITORS_CLOCK: at('11-01T00:59') } });
  assert.deepEqual(
    (JSON.parse(listed.stdout) as { nodes: Array<{ name: string; state: string; heldAt: string | null }> }).nodes.map((n) => [n.name, n.state, n.heldAt]),
    [['node0', 'waiting', '2026-11'], ['node1', 'waiting', '2026-11'], ['node2', 'live', null]],
  );
  // …until node2's watermark has not moved for more than 2 hours.
  for (const k of [0, 1]) {
    const r = await run(k, at('11-01T01:01'));
    assert.equal(r.cluster.held, null, `node${k} goes on`);
    assert.match(r.stderr, /warning: node node2: its watermark \(2026-10-31T22:59:00.000Z\) has not moved for 2h1m \(--node-timeout 2h\): no longer waiting for it/);
  }
  const stalled = runCli(['nodes', ...flags], { env: { MONTHLY_VISITORS_CLOCK: at('11-01T01:01') } });
  assert.match(stalled.stdout, /^node2 +2026-10-31T22:59:00.000Z +2h1m ago +stalled$/m);
  assert.match(stalled.stderr, /warning: node node2 is stalled/);
  const check = runCli(['check', ...flags], { env: { MONTHLY_VISITORS_CLOCK: at('11-01T01:01') } });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /^ {2}node0 +\S+ +0s ago +live$/m);
  assert.match(check.stderr, /^ {2}node2 +2026-10-31T22:59:00.000Z +2h1m ago +stalled$/m);
  assert.match(check.stderr, /warning: node node2 is stalled: its watermark has not moved for 2h1m/);

  // node2 comes back: its October logins of users the others counted in November are late.
  const back = await run(2, at('11-01T02:00'));
  assert.ok(back.late > 0, 'node2 has late logins');
  assert.deepEqual(Object.keys(back.cluster.lateByMonth), ['2026-10']);
  assert.match(back.stderr, /warning: node node2: \d+ login\(s\) of 2026-10 came after the cluster had closed 2026-10 and were not counted \(late\); to recount 2026-10 exactly, run `monthly-visitors backfill --replace` over all nodes' logs of 2026-10/);
  assert.notDeepEqual(clusterFigures(readPgStore(pg, db)), clusterFigures(EXPECTED), 'October lost the late logins');

  // The recount the warning names.
  const b = runCli(['backfill', '--replace', '-q', ...flags, ...COUNTING, ...nodes.map((n) => n.log)]);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(clusterFigures(readPgStore(pg, db)), clusterFigures(EXPECTED));
  // node2 counts on as before; forgetting a node removes it from the list.
  assert.equal((await run(2, at('11-01T02:05'))).cluster.held, null);
  const forgot = runCli(['nodes', '--json', '--forget', 'node2', ...flags]);
  assert.deepEqual((JSON.parse(forgot.stdout) as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name), ['node0', 'node1']);
});
