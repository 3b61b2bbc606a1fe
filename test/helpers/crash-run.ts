/**
 * Runs of `bin/monthly-visitors` stopped at a named crash point (src/crash-points.ts): no timing,
 * the process kills (or signals) itself at exactly the n-th time it reaches the point.
 */
import { spawnSync } from 'node:child_process';
import { BIN } from './paths.js';
import { snapshotTree } from './tree.js';

export interface PointRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with MONTHLY_VISITORS_CRASH_AT=`spec` (none: an ordinary run). */
export function runAtPoint(args: readonly string[], spec?: string): PointRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', MONTHLY_VISITORS_PROSODY_CONFIG: '' };
  delete env.MONTHLY_VISITORS_CRASH_AT;
  if (spec !== undefined) env.MONTHLY_VISITORS_CRASH_AT = spec;
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** How often an uninterrupted run reaches each point (MONTHLY_VISITORS_CRASH_AT=count). */
export function pointCounts(args: readonly string[]): { counts: Map<string, number>; run: PointRun } {
  const run = runAtPoint(args, 'count');
  const line = /^crash points: (.*)$/m.exec(run.stderr);
  if (line === null) throw new Error(`no crash point counts in: ${run.stderr}`);
  const counts = new Map<string, number>();
  for (const item of line[1]!.split(' ').filter(Boolean)) {
    const [name, n] = item.split('=');
    counts.set(name!, Number(n));
  }
  return { counts, run };
}

/** 1st, middle and last occurrence of a point reached `n` times (distinct). */
export function occurrencesOf(n: number): number[] {
  return [...new Set([1, Math.ceil(n / 2), n])].filter((k) => k >= 1 && k <= n);
}

/** A data dir's files (relative path → mode and bytes), without the lock. */
export function dataDirBytes(dir: string): Map<string, string> {
  return new Map([...snapshotTree(dir)].filter(([p]) => !p.endsWith('monthly-visitors.lock')).map(([p, v]) => [p.slice(dir.length), v]));
}

/** The paths whose mode or bytes differ between two dataDirBytes (empty: byte-identical). */
export function differingPaths(actual: Map<string, string>, expected: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [p, v] of expected) if (actual.get(p) !== v) out.push(actual.has(p) ? p : `${p} (missing)`);
  for (const p of actual.keys()) if (!expected.has(p)) out.push(`${p} (extra)`);
  return out;
}
