/**
 * What this machine gives two threads that parse at once: `node dist/bench/machine-ceiling.js N FILE`
 * starts N worker threads that each parse the same first 64 MiB of FILE (the Prosody file sink's
 * parser alone: no GeoIP, no store, no hand-over between threads) and prints the wall time in ms.
 * With a free core per thread, N threads take as long as one; a virtual machine's cores that share a
 * physical one, its caches or its memory bandwidth take longer. `ceiling` = N × t(1) / t(N) is the
 * most any split of the parse across N threads can gain here (`bench/parallel.ts` prints it).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { formatByName } from '../src/sources/formats.js';
import { LineSplitter } from '../src/sources/line-splitter.js';
import { TimeZone } from '../src/time/zone.js';

const SLICE_BYTES = 64 << 20;

function parseSlice(file: string): void {
  const parser = formatByName('prosody').createParser(
    { label: file, emit: () => {}, notice: () => {} },
    { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026, referenceMs: null },
  );
  const splitter = new LineSplitter(parser);
  const fd = openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let pos = 0; pos < SLICE_BYTES; ) {
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    splitter.push(chunk.subarray(0, n));
    pos += n;
  }
  closeSync(fd);
  splitter.end();
}

async function threads(n: number, file: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: file });
      worker.on('message', () => resolve());
      worker.on('error', reject);
    })),
  );
  return performance.now() - t0;
}

/** Medians over `runs` rounds (one thread, then two, taking turns, each in a fresh process): t(1), t(2) and the ceiling 2·t(1)/t(2). */
export function machineCeiling(file: string, runs: number): { oneMs: number; twoMs: number; ceiling: number } {
  const one: number[] = [];
  const two: number[] = [];
  const run = (n: number) => Number(spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(n), file], { encoding: 'utf8' }).stdout.trim());
  for (let k = 0; k < runs; k++) {
    one.push(run(1));
    two.push(run(2));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const oneMs = median(one);
  const twoMs = median(two);
  return { oneMs, twoMs, ceiling: (2 * oneMs) / twoMs };
}

if (!isMainThread) {
  parseSlice(workerData as string);
  parentPort!.postMessage('done');
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [n, file] = process.argv.slice(2);
  process.stdout.write(`${(await threads(Number(n), file!)).toFixed(0)}\n`);
}
