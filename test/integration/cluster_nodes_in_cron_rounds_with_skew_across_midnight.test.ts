import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tree.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore } from '../helpers/sql-store-reader.js';
import { dealSessions, timedLines } from '../helpers/deal-sessions.js';
import { CAPTURED, clusterFigures, expectedStore, nodesIn, runNode, writeLog, type ClusterNode, type NodeRunResult } from '../helpers/cluster-nodes.js';
import { runCli } from '../helpers/run-cli.js';

// Cron on 3 nodes: every 5 minutes each node's `tail --once` reads what its log gained. Their
// clocks are skewed (node k runs k minutes after the round's time) and node1 misses the round
// across midnight (it runs with the next one). The logs are the real month-boundary capture
// (23:59 and 00:00 logins on 31 October / 1 November) dealt out by session; each node's log
// holds, when it runs, exactly the lines written up to its clock. The store must be the
// hand-computed one in visitors, place sums and marks, with no login late; and we measure how
// many rounds a node waits at the month boundary.
const NODES = 3;
const ROUND_MS = 5 * 60_000;
const SKEW_MS = 60_000;
const EXPECTED = expectedStore('month-boundary.debug.all.json');
const MIDNIGHT = Date.UTC(2026, 10, 1);


const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test('cluster_nodes_in_cron_rounds_with_skew_across_midnight: exact, and how long a node waits at the boundary', { skip: pgReason ?? false }, async () => {
  cluster = startPgCluster();
  const pg = cluster;
  const db = pg.createDatabase('cron');
  const flags = ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db];
  const dir = tempDir();
  const nodes = nodesIn(dir, NODES);
  let next = 0;
  const dealt = dealSessions(readFileSync(join(CAPTURED, 'month-boundary.debug.log'), 'utf8'), NODES, () => next++);
  const lines = dealt.map((t) => timedLines(t, 2026));
  const written = nodes.map(() => 0);
  const grow = (k: number, clock: number) => {
    let upTo = written[k]!;
    while (upTo < lines[k]!.length && lines[k]![upTo]!.time <= clock) upTo++;
    const text = lines[k]!.slice(written[k], upTo).map((l) => l.text).join('');
    writeLog(nodes[k]!.log, text, new Date(clock).toISOString(), { append: written[k]! > 0 });
    written[k] = upTo;
  };
  const first = Math.min(...lines.map((l) => l[0]!.time));
  const last = Math.max(...lines.map((l) => l.at(-1)!.time));
  const registered = runCli(['nodes', '--add', ...nodes.map((n) => n.name), ...flags], { env: { MONTHLY_VISITORS_CLOCK: new Date(first).toISOString() } });
  assert.equal(registered.code, 0, registered.stderr);

  const heldRounds = new Map<string, number>(); // node → rounds it ended held at the month boundary
  let late = 0;
  let rounds = 0;
  let missed: ClusterNode | null = null;
  // Rounds every 5 minutes; over the days with no line at all the clock jumps ahead to the round
  // before the next line (the rounds in between would only have found nothing new; that one
  // round finds nothing either, and tells the others each node is alive).
  for (let t = Math.floor(first / ROUND_MS) * ROUND_MS + ROUND_MS; ; t += ROUND_MS) {
    const gap = Math.min(...lines.map((l, k) => l[written[k]!]?.time ?? Infinity));
    if (gap !== Infinity && gap > t + 2 * ROUND_MS) t = Math.floor(gap / ROUND_MS) * ROUND_MS - ROUND_MS;
    rounds++;
    const run: ClusterNode[] = [];
    for (const [k, node] of nodes.entries()) {
      // node1's cron misses the round that crosses midnight: it runs with the next one.
      if (k === 1 && t > MIDNIGHT && t <= MIDNIGHT + ROUND_MS && missed === null) {
        missed = node;
        continue;
      }
      run.push(node);
    }
    const results: NodeRunResult[] = [];
    for (const node of run) {
      const k = nodes.indexOf(node);
      const clock = t + k * SKEW_MS;
      grow(k, clock);
      results.push(await runNode(node, flags, { clock: new Date(clock).toISOString(), extra: ['--commit-lines', '7'] }));
    }
    for (const r of results) {
      late += r.late;
      if (r.cluster.held?.month === '2026-11') heldRounds.set(r.node, (heldRounds.get(r.node) ?? 0) + 1);
    }
    if (results.every((r) => r.cluster.held === null) && written.every((w, k) => w === lines[k]!.length) && t > last + ROUND_MS) break;
    assert.ok(rounds < 200, 'the rounds do not end');
  }
  assert.ok(missed !== null, 'node1 missed the round across midnight');
  assert.equal(late, 0, 'no login is late');
  assert.deepEqual(clusterFigures(readPgStore(pg, db)), clusterFigures(EXPECTED));
  // Nodes ahead of node1 wait for it at the boundary; the measurement goes into the closing note.
  assert.ok([...heldRounds.values()].some((n) => n > 0), 'some node waited at the month boundary');
  console.log(`cron rounds: ${rounds}; rounds each node ended held at the month boundary: ${nodes.map((n) => `${n.name} ${heldRounds.get(n.name) ?? 0}`).join(', ')}`);
});
