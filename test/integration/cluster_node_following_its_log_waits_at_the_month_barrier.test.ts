import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/tree.js';
import { BIN } from '../helpers/paths.js';
import { readSqliteStore } from '../helpers/sql-store-reader.js';
import { CAPTURED, COUNTING, expectedStore, nodesIn, runNode, writeLog } from '../helpers/cluster-nodes.js';
import { runCli } from '../helpers/run-cli.js';

// A node that follows its log (a service, no --once) waits at the month barrier, re-reading the
// watermarks, and goes on by itself once the other node has passed the boundary. node1 is
// registered but has counted nothing yet, so node0 may not even count October: it waits before
// its first login. When node1's first run has read its (empty) log, node0 counts everything.
// The test waits for states (polling the database), never for a length of time.
const NOW = '2026-11-02T00:00:00Z';
const EXPECTED = expectedStore('month-boundary.debug.all.json');

function nodeRow(file: string, node: string): { heldAt: string | null; watermark: number } | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(`SELECT value FROM prosody WHERE host = '' AND store = 'monthly_visitors_nodes' AND user = ?`).get(node) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as { heldAt: string | null; watermark: number });
  } finally {
    db.close();
  }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 6000) assert.fail(`still not: ${what}`);
    await delay(20);
  }
}

test('cluster_node_following_its_log_waits_at_the_month_barrier and goes on when the other node passed it', async () => {
  const dir = tempDir();
  const file = join(dir, 'prosody.sqlite');
  const flags = ['--storage', 'sql', '--sql-database', file];
  const [node0, node1] = nodesIn(dir, 2);
  writeLog(node0!.log, readFileSync(join(CAPTURED, 'month-boundary.debug.log'), 'utf8'), NOW);
  writeFileSync(node1!.log, '');
  assert.equal(runCli(['nodes', '--add', 'node0', 'node1', ...flags], { env: { MONTHLY_VISITORS_CLOCK: NOW } }).code, 0);

  const follower = spawn(process.execPath, [BIN, 'tail', '--json', ...flags, '--node-name', 'node0', '--state', node0!.state, '--commit-interval', '0.05', '--poll-interval', '0.05', ...COUNTING, node0!.log], {
    env: { ...process.env, NO_COLOR: '1', MONTHLY_VISITORS_PROSODY_CONFIG: '', MONTHLY_VISITORS_CLOCK: NOW },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  follower.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  follower.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => follower.on('close', (code) => resolve(code)));
  try {
    await until('node0 waits to enter 2026-10', () => nodeRow(file, 'node0')?.heldAt === '2026-10');
    assert.deepEqual(readSqliteStore(file), {}, 'nothing counted while node1 may still hold October');

    await runNode(node1!, flags, { clock: NOW });
    await until('node0 counted the log', () => isDeepStrictEqual(readSqliteStore(file), EXPECTED) && nodeRow(file, 'node0')?.heldAt === null);
  } finally {
    follower.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  assert.deepEqual(readSqliteStore(file), EXPECTED);
  const summary = JSON.parse(stdout) as { counted: number; late: number; cluster: { held: unknown } };
  assert.deepEqual([summary.counted, summary.late, summary.cluster.held], [19, 0, null]);
});
