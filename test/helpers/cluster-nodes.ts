/**
 * Cluster nodes as a test runs them: each node a `tail --once --json` process with its own log,
 * checkpoint and `--node-name`, all counting into one SQL store; a round starts the nodes at once
 * (in the given order) and waits for all of them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './paths.js';
import { runCliAsync } from './run-cli.js';
import { MODULE_README_PATTERNS } from './module-config.js';
import type { StoreJson } from './lua-dat-reader.js';

export const CAPTURED = fixture('prosody-0.12-captured');
/**
 * No `--year`: it names the year of the *first line read*, and a node resuming at a line of a new
 * year would put it in the old one. The logs' years come from their mtime (writeLog), as on a server.
 */
export const COUNTING = ['--mmdb', join(CAPTURED, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS, '--timezone', 'UTC'];

/** Writes (or appends to) a node's log, with the mtime a server writing it at `clock` gives it. */
export function writeLog(path: string, text: string, clock: string, opts: { append?: boolean } = {}): void {
  if (opts.append) appendFileSync(path, text);
  else writeFileSync(path, text);
  const t = new Date(clock);
  utimesSync(path, t, t);
}

export interface NodeRunResult {
  readonly node: string;
  readonly counted: number;
  readonly late: number;
  readonly cluster: { node: string; held: { month: string; waitingFor: string[] } | null; lateByMonth: Record<string, number> };
  readonly stderr: string;
}

export interface ClusterNode {
  readonly name: string;
  readonly log: string;
  readonly state: string;
}

export function nodesIn(dir: string, n: number): ClusterNode[] {
  return Array.from({ length: n }, (_, i) => ({ name: `node${i}`, log: join(dir, `node${i}.log`), state: join(dir, `node${i}.state.json`) }));
}

/** One `tail --once` of a node; `clock`: the time the node runs at (MONTHLY_VISITORS_CLOCK). */
export async function runNode(node: ClusterNode, storeFlags: readonly string[], opts: { clock?: string; extra?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Promise<NodeRunResult> {
  const r = await runCliAsync(['tail', '--once', '--json', ...storeFlags, '--node-name', node.name, '--state', node.state, ...COUNTING, ...(opts.extra ?? []), node.log], {
    env: { ...(opts.clock ? { MONTHLY_VISITORS_CLOCK: opts.clock } : {}), ...opts.env },
  });
  assert.equal(r.code, 0, `${node.name}: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as NodeRunResult;
  return { ...json, node: node.name, stderr: r.stderr };
}

/** Runs the nodes at once, started in the order given. */
export function round(nodes: readonly ClusterNode[], storeFlags: readonly string[], opts: { clock?: string; extra?: (node: ClusterNode) => readonly string[] } = {}): Promise<NodeRunResult[]> {
  return Promise.all(nodes.map((n) => runNode(n, storeFlags, { clock: opts.clock, extra: opts.extra?.(n) })));
}

/** The hand-computed store of one capture (fixtures/prosody-0.12-captured/expected). */
export function expectedStore(name: string): StoreJson {
  return JSON.parse(readFileSync(join(CAPTURED, 'expected', name), 'utf8')) as StoreJson;
}

/** Two stores of different months, one after the other: months side by side, each user's later mark. */
export function mergeStores(a: StoreJson, b: StoreJson): StoreJson {
  const out: StoreJson = JSON.parse(JSON.stringify(a)) as StoreJson;
  for (const [host, rec] of Object.entries(b)) {
    const h = (out[host] ??= { last_recorded: {}, months: {} });
    Object.assign(h.months, rec.months);
    for (const [user, month] of Object.entries(rec.last_recorded)) if (!(h.last_recorded[user]! >= month)) h.last_recorded[user] = month;
  }
  return out;
}

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * What a cluster must get exactly right, per host: every user's mark, and per month the visitors
 * (the client counts' sum) and the place counts' sum. (Which client and place a user's month gets
 * is that of the login whose node commits first, so single keys may differ from a backfill's.)
 */
export function clusterFigures(store: StoreJson): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [host, rec] of Object.entries(store)) {
    out[`${host} marks`] = rec.last_recorded;
    for (const [month, counts] of Object.entries(rec.months)) {
      const sum = (prefix: string) => Object.entries(counts).reduce((n, [k, c]) => n + (k.startsWith(prefix) ? c : 0), 0);
      out[`${host} ${month}`] = { visitors: sum('client-'), places: sum('geo-') };
    }
  }
  return out;
}
