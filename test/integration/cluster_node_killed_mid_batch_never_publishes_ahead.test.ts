import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/tree.js';
import { readSqliteStore } from '../helpers/sql-store-reader.js';
import { CAPTURED, COUNTING, expectedStore, nodesIn, runNode, writeLog } from '../helpers/cluster-nodes.js';
import { timedLines } from '../helpers/deal-sessions.js';
import { runCli, runCliAsync } from '../helpers/run-cli.js';

// kill -9 of a node in the middle of a batch (crash points in the SQL commit: its rows and its
// watermark written inside the transaction, or committed with the checkpoint not yet written)
// never leaves its watermark ahead of its committed counts: every login the log holds before the
// watermark is counted (its user is marked with its month or a later one). The next run then
// finishes the log, and the store is the hand-computed one.
const EXPECTED = expectedStore('month-boundary.debug.all.json');

interface Login {
  time: string;
  month: string;
  host: string;
  user: string;
}

function watermarkOf(file: string, node: string): number | null {
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare(`SELECT value FROM prosody WHERE host = '' AND store = 'monthly_visitors_nodes' AND user = ?`).get(node) as { value: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.value) as { watermark: number }).watermark;
  } finally {
    db.close();
  }
}

// The log grows in three pieces (cron rounds); in each round node0 is first killed at the point,
// checked, then run again at the same time.
const ROUNDS = ['2026-10-20T15:00:00Z', '2026-10-31T23:59:55Z', '2026-11-02T00:00:00Z'];

for (const point of ['sql-rows-written', 'sql-committed']) {
  test(`cluster_node_killed_mid_batch_at_${point}: its watermark is never ahead of its counts`, async () => {
    const dir = tempDir();
    const file = join(dir, 'prosody.sqlite');
    const flags = ['--storage', 'sql', '--sql-database', file];
    const [node0, node1] = nodesIn(dir, 2);
    const lines = timedLines(readFileSync(join(CAPTURED, 'month-boundary.debug.log'), 'utf8'), 2026);
    writeFileSync(node0!.log, '');
    writeFileSync(node1!.log, ''); // a second node, idle: node0 is a node of a cluster
    assert.equal(runCli(['nodes', '--add', 'node0', 'node1', ...flags], { env: { MONTHLY_VISITORS_CLOCK: ROUNDS[0] } }).code, 0);
    for (const clock of ROUNDS) {
      writeLog(node0!.log, lines.filter((l) => l.time <= Date.parse(clock)).map((l) => l.text).join(''), clock);
      await runNode(node1!, flags, { clock });
      const previous = watermarkOf(file, 'node0')!;
      const killed = await runCliAsync(['tail', '--once', ...flags, '--node-name', 'node0', '--state', node0!.state, ...COUNTING, node0!.log], {
        env: { MONTHLY_VISITORS_CLOCK: clock, MONTHLY_VISITORS_CRASH_AT: `${point}:1` },
      });
      assert.equal(killed.signal, 'SIGKILL', `${clock}: ${killed.stderr}`);
      const watermark = watermarkOf(file, 'node0')!;
      const events = runCli(['events', '--timezone', 'UTC', node0!.log]);
      const logins = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as Login);
      const store = readSqliteStore(file);
      const before = logins.filter((l) => Date.parse(l.time) < watermark);
      // Killed before its commit: the watermark of the round before; after it: this round's (the
      // log was read to its end: the clock less a minute, or its last login if later).
      if (point === 'sql-rows-written') assert.equal(watermark, previous, clock);
      else assert.ok(watermark >= Date.parse(clock) - 60_000 && watermark > previous, clock);
      for (const l of before) {
        const mark = store[l.host]?.last_recorded[l.user];
        assert.ok(mark !== undefined && mark >= l.month, `${clock}: a login at ${l.time}, before the watermark ${new Date(watermark).toISOString()}, is counted`);
      }
      if (point === 'sql-rows-written') assert.ok(before.length < logins.length, 'the logins of the killed batch are not counted (nor covered by the watermark)');
      const rerun = await runNode(node0!, flags, { clock });
      assert.equal(rerun.late, 0);
    }
    assert.deepEqual(readSqliteStore(file), EXPECTED, 'after the last round');
  });
}
