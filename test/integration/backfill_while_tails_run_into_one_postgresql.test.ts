import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli, runCliAsync } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore } from '../helpers/sql-store-reader.js';

// An operator backfills old logs into the PostgreSQL store while the 4 nodes' tails keep counting
// the current month into it. The backfill's logs hold July and August, and also October for some
// of the users the tails count in October (same place, same client), so its merge meets the month
// the tails are writing: decided on a stale read, it would "add" October over what the tails had
// committed and lose those users. Expected, by hand: per host, October counts exactly the distinct
// users of the tails' logs (the backfill's October users are among them), July and August exactly
// the backfill's users of those months; and the whole store equals one backfill over all the logs.
const MMDB = join(fixture('prosody-0.12-p1'), 'test-GeoIP2-City.mmdb');
const PATTERNS = ['--client-pattern', '^Gajim=DESKTOP', '--client-pattern', '^Conversations%..*=ANDROID'];
const COMMON = ['--mmdb', MMDB, ...PATTERNS, '--timezone', 'UTC', '--year', '2026'];
const IPS = ['127.0.1.10', '127.0.2.11', '127.0.3.13', '127.0.5.15', '127.0.9.70', '::1'];
const RESOURCES = ['Gajim', 'Conversations.a1', 'Dino', 'Zom-iPhone'];
const HOSTS = ['example.com', 'chat.example.org'];
const NODES = 4;
const RUNS = Number(process.env.MV_CONCURRENCY_RUNS ?? (process.env.CI ? 10 : 2));
const CROWD = 300;
const MONTHS = { Jul: '2026-07', Aug: '2026-08', Oct: '2026-10' } as const;
type Abbr = keyof typeof MONTHS;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Login {
  readonly t: number;
  readonly text: string;
}

/** The logs of one run, and per host and month the distinct users they hold. */
function scenario(seed: number): { tails: string[]; backfill: string; users: Map<string, Set<string>> } {
  const random = lcg(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(random() * a.length)]!;
  let session = 0;
  const users = new Map<string, Set<string>>();
  const seen = (host: string, month: string, user: string) => {
    const key = `${host} ${month}`;
    if (!users.has(key)) users.set(key, new Set());
    users.get(key)!.add(user);
  };
  const login = (abbr: Abbr, user: string, host: string, ip: string, resource: string): Login => {
    const t = Math.floor(random() * 20 * 86400); // day 1 … 20
    const id = `c2s${(++session).toString(16)}`;
    const s = t % 86400;
    const at = `${abbr} ${String(1 + Math.floor(t / 86400)).padStart(2, '0')} ${[Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((x) => String(x).padStart(2, '0')).join(':')}`;
    const jid = `${user}@${host}`;
    return { t: t + (abbr === 'Jul' ? 0 : abbr === 'Aug' ? 1 : 3) * 40 * 86400, text: `${at} ${id}\tinfo\tClient connected\n${at} ${id}\tinfo\tSuccessful authentication as ${jid} from IP: ${ip}\n${at} ${id}\tdebug\tResource bound: ${jid}/${resource}\n` };
  };
  const tails: Login[][] = Array.from({ length: NODES }, () => []);
  const backfill: Login[] = [];
  for (let u = 0; u < 60; u++) {
    const user = `user${u}`;
    const host = pick(HOSTS);
    // A user's place and client are the same everywhere within a month.
    const [ip, resource] = [pick(IPS), pick(RESOURCES)];
    const inTails = u < 40;
    if (inTails) {
      for (let node = 0; node < NODES; node++) {
        if (node > 0 && random() < 0.5) continue;
        tails[node]!.push(login('Oct', user, host, ip, resource));
      }
      seen(host, MONTHS.Oct, user);
      if (random() < 0.4) backfill.push(login('Oct', user, host, ip, resource)); // October in the old logs too
    }
    for (const abbr of ['Jul', 'Aug'] as const) {
      if (u < 20 || random() < 0.5) continue; // users 20…59: some of the tails' users, and others
      const [oldIp, oldResource] = [pick(IPS), pick(RESOURCES)];
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) backfill.push(login(abbr, user, host, oldIp, oldResource));
      seen(host, MONTHS[abbr], user);
    }
  }
  // Node 0 also has a crowd of its own, committed in one batch (see the test): more users of one
  // host than a batch locks row by row, so it locks the host exclusively, next to batches that
  // lock rows.
  for (let c = 0; c < CROWD; c++) {
    tails[0]!.push(login('Oct', `crowd${c}`, 'example.com', pick(IPS), pick(RESOURCES)));
    seen('example.com', MONTHS.Oct, `crowd${c}`);
  }
  const text = (logins: Login[]) => logins.sort((a, b) => a.t - b.t).map((l) => l.text).join('');
  return { tails: tails.map(text), backfill: text(backfill), users };
}

function sums(store: StoreJson, host: string, month: string): { clients: number; places: number } {
  let clients = 0;
  let places = 0;
  for (const [k, n] of Object.entries(store[host]?.months[month] ?? {})) {
    if (k.startsWith('client-')) clients += n;
    else if (k.startsWith('geo-')) places += n;
  }
  return { clients, places };
}

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test(`backfill_while_tails_run_into_one_postgresql: old months added, nothing the tails counted lost, ${RUNS} runs`, { skip: pgReason ?? false }, async () => {
  cluster = startPgCluster();
  const pg = cluster;
  for (let seed = 1; seed <= RUNS; seed++) {
    const db = pg.createDatabase(`backfill_tails${seed}`);
    const sql = ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db];
    const dir = tempDir();
    const { tails, backfill, users } = scenario(seed);
    const logs = tails.map((text, n) => {
      const file = join(dir, `node${n}.log`);
      writeFileSync(file, text);
      return file;
    });
    const old = join(dir, 'old.log');
    writeFileSync(old, backfill);
    const tailRuns = (state: string) =>
      logs.map((log, n) => runCliAsync(['tail', '--once', '-q', ...sql, '--state', join(dir, `${state}${n}.json`), '--commit-lines', n === 0 ? '100000' : '3', ...COMMON, log]));
    // The backfill starts with the tails and commits while they are committing.
    const results = await Promise.all([...tailRuns('node'), runCliAsync(['backfill', '-q', ...sql, ...COMMON, old])]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);

    const store = readPgStore(pg, db);
    for (const [key, expected] of users) {
      const [host, month] = key.split(' ') as [string, string];
      assert.deepEqual(sums(store, host, month), { clients: expected.size, places: expected.size }, `seed ${seed}: ${host} ${month}`);
    }
    const all = join(dir, 'all');
    const b = runCli(['backfill', '-q', '--data-dir', all, ...COMMON, old, ...logs]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(store, readStoreWithLua(all), `seed ${seed}: the store differs from one backfill over all the logs`);

    // Every mark is the user's latest month: tails that lost their checkpoints count nobody again.
    for (const r of await Promise.all(tailRuns('lost'))) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readPgStore(pg, db), store, `seed ${seed}: a user was counted twice`);
  }
});
