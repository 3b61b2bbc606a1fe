import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli, runCliAsync } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore, readSqliteStore } from '../helpers/sql-store-reader.js';

// A cluster: 4 nodes, each with its own log, sharing users; each node runs `tail --once` into one
// database at the same time, committing every few lines so their transactions interleave. A user's
// logins within a month agree in place and client across the logs, so the store must equal one
// backfill over the merged logs, and per host and month the client counts and the place counts
// must each sum to the number of distinct users the generator put into that month.
const MMDB = join(fixture('prosody-0.12-p1'), 'test-GeoIP2-City.mmdb');
const PATTERNS = ['--client-pattern', '^Gajim=DESKTOP', '--client-pattern', '^Conversations%..*=ANDROID'];
const COMMON = ['--mmdb', MMDB, ...PATTERNS, '--timezone', 'UTC', '--year', '2026'];
const IPS = ['127.0.1.10', '127.0.1.14', '127.0.2.11', '127.0.3.13', '127.0.4.16', '127.0.5.15', '127.0.6.12', '127.0.9.70', '::1'];
const RESOURCES = ['Gajim', 'Conversations.a1', 'Conversations.b2', 'Dino', 'Zom-iPhone'];
const HOSTS = ['example.com', 'chat.example.org'];
const NODES = 4;
// The issue asks for 20 repetitions: CI runs them all; a developer's `npm test` runs 3 (MV_CONCURRENCY_RUNS=20 for all).
const RUNS = Number(process.env.MV_CONCURRENCY_RUNS ?? (process.env.CI ? 20 : 3));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** One month's logs of the 4 nodes, and which users of each host they hold. */
function monthLogs(month: { name: string; abbr: string }, seed: number, session: { n: number }): { logs: string[]; seen: Map<string, Set<string>> } {
  const random = lcg(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(random() * a.length)]!;
  const lines: Array<Array<{ t: number; text: string }>> = Array.from({ length: NODES }, () => []);
  const seen = new Map(HOSTS.map((h) => [h, new Set<string>()]));
  for (let u = 0; u < 30; u++) {
    const host = pick(HOSTS);
    const user = `user${u}`;
    // The user's place and client this month: the same on every node.
    const ip = pick(IPS);
    const resource = pick(RESOURCES);
    let any = false;
    for (let node = 0; node < NODES; node++) {
      if (random() < 0.4) continue;
      any = true;
      for (let k = 1 + Math.floor(random() * 2); k > 0; k--) {
        const t = 1 + Math.floor(random() * 20 * 86400); // day 1 … 21 of the month
        const id = `c2s${(++session.n).toString(16)}`;
        const day = String(1 + Math.floor(t / 86400)).padStart(2, '0');
        const s = t % 86400;
        const clock = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((x) => String(x).padStart(2, '0')).join(':');
        const at = `${month.abbr} ${day} ${clock}`;
        const jid = `${user}@${host}`;
        lines[node]!.push({ t, text: `${at} ${id}\tinfo\tClient connected\n${at} ${id}\tinfo\tSuccessful authentication as ${jid} from IP: ${ip}\n${at} ${id}\tdebug\tResource bound: ${jid}/${resource}\n` });
      }
    }
    if (any) seen.get(host)!.add(user);
  }
  return { logs: lines.map((l) => l.sort((a, b) => a.t - b.t).map((x) => x.text).join('')), seen };
}

function sums(store: StoreJson, host: string, month: string): { clients: number; places: number } {
  const counts = store[host]?.months[month] ?? {};
  let clients = 0;
  let places = 0;
  for (const [k, n] of Object.entries(counts)) {
    if (k.startsWith('client-')) clients += n;
    else if (k.startsWith('geo-')) places += n;
  }
  return { clients, places };
}

async function clusterRun(seed: number, flags: string[], read: () => StoreJson): Promise<void> {
  const dir = tempDir();
  const logs = Array.from({ length: NODES }, (_, i) => join(dir, `node${i}.log`));
  for (const l of logs) writeFileSync(l, '');
  const session = { n: 0 };
  const months = [{ name: '2026-09', abbr: 'Sep' }, { name: '2026-10', abbr: 'Oct' }];
  const seenByMonth = new Map<string, Map<string, Set<string>>>();
  // Month by month, as cron runs on nodes whose clocks agree: all 4 nodes at once each time.
  for (const [i, month] of months.entries()) {
    const { logs: texts, seen } = monthLogs(month, seed * 7 + i, session);
    seenByMonth.set(month.name, seen);
    texts.forEach((t, n) => appendFileSync(logs[n]!, t));
    const results = await Promise.all(
      logs.map((log, n) => runCliAsync(['tail', '--once', '-q', ...flags, '--state', join(dir, `node${n}.state.json`), '--commit-lines', '4', ...COMMON, log])),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
  }
  const store = read();
  for (const [month, seen] of seenByMonth) {
    for (const [host, users] of seen) {
      assert.deepEqual(sums(store, host, month), { clients: users.size, places: users.size }, `seed ${seed}: ${host} ${month}`);
    }
  }
  const merged = join(dir, 'data');
  const b = runCli(['backfill', '-q', '--data-dir', merged, ...COMMON, ...logs]);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(store, readStoreWithLua(merged), `seed ${seed}: the store differs from one backfill over the merged logs`);
}

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test(`four_nodes_tail_into_one_postgresql: every user counted once per month, ${RUNS} runs`, { skip: pgReason ?? false }, async () => {
  cluster = startPgCluster();
  const pg = cluster;
  for (let run = 1; run <= RUNS; run++) {
    const db = pg.createDatabase(`cluster${run}`);
    await clusterRun(run, ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db], () => readPgStore(pg, db));
  }
});

test('four_nodes_tail_into_one_sqlite_file: every user counted once per month', async () => {
  const file = join(tempDir(), 'prosody.sqlite');
  await clusterRun(101, ['--storage', 'sql', '--sql-database', file], () => readSqliteStore(file));
});
