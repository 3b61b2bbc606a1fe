import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { snapshotTree } from './tree.js';

/** A seeded PRNG, so a failing cut pattern can be replayed from its seed. */
import { mulberry32 as rng } from './storage-lua.js';

export { rng };

/**
 * Where to cut a log into chunks: random byte offsets (most fall mid-line), plus cuts just after
 * a session's first line, so that its connect and its login land in different chunks.
 */
export function cutsFor(log: Buffer, seed: number, random: number, sessionMarker: string, sessionCuts: number): number[] {
  const next = rng(seed);
  const cuts = new Set<number>();
  for (let i = 0; i < random; i++) cuts.add(1 + Math.floor(next() * (log.length - 1)));
  const text = log.toString('latin1');
  for (let from = 0, n = 0; n < sessionCuts; n++) {
    const at = text.indexOf(sessionMarker, from + Math.floor(next() * (text.length / (sessionCuts + 1))));
    if (at < 0) break;
    cuts.add(text.indexOf('\n', at) + 1);
    from = at + 1;
  }
  return [...cuts].filter((c) => c > 0 && c < log.length).sort((a, b) => a - b);
}

export function chunksAt(log: Buffer, cuts: number[]): Buffer[] {
  const bounds = [0, ...cuts, log.length];
  return bounds.slice(1).map((end, i) => log.subarray(bounds[i], end));
}

export type RotationStyle = 'rename' | 'copytruncate' | 'rename-gzip' | 'dateext' | 'rename-late-create';

/** Shifts `live.N[.gz]` to `live.N+1[.gz]`, as logrotate does before it rotates. */
function shift(live: string): void {
  const dir = join(live, '..');
  const base = live.slice(dir.length + 1);
  const numbered = readdirSync(dir)
    .map((n) => ({ n, m: new RegExp(`^${base.replace(/\./g, '\\.')}\\.(\\d+)(\\.gz)?$`).exec(n) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]));
  for (const { n, m } of numbered) renameSync(join(dir, n), join(dir, `${base}.${Number(m![1]) + 1}${m![2] ?? ''}`));
}

/** Rotates the live log the way logrotate would with the given configuration. */
export function rotate(live: string, style: RotationStyle, generation: number): void {
  switch (style) {
    case 'rename': // create
      shift(live);
      renameSync(live, `${live}.1`);
      writeFileSync(live, '');
      return;
    case 'rename-late-create': // the server has not reopened its log yet: it is missing for a while
      shift(live);
      renameSync(live, `${live}.1`);
      return;
    case 'copytruncate':
      shift(live);
      copyFileSync(live, `${live}.1`);
      truncateSync(live, 0);
      return;
    case 'rename-gzip': // compress without delaycompress: the renamed file is gone, only .gz is left
      shift(live);
      renameSync(live, `${live}.1`);
      writeFileSync(`${live}.1.gz`, gzipSync(readFileSync(`${live}.1`)));
      rmSync(`${live}.1`);
      writeFileSync(live, '');
      return;
    case 'dateext':
      renameSync(live, `${live}-202611${String(generation + 10).padStart(2, '0')}`);
      writeFileSync(live, '');
      return;
  }
}

export function append(live: string, chunk: Buffer): void {
  if (existsSync(live)) appendFileSync(live, chunk);
  else writeFileSync(live, chunk);
}

/** The store's files and their bytes (paths relative to the data dir), without tail's own state. */
export function storeContents(data: string): Map<string, string> {
  return new Map(
    [...snapshotTree(data)]
      .filter(([p]) => !p.endsWith('.tail-state.json') && !p.endsWith('.lock'))
      .map(([p, v]) => [p.slice(data.length), v.replace(/^\S+ /, '')]),
  );
}
