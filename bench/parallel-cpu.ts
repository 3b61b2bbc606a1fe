/**
 * Where a `--jobs` read spends CPU, per thread, in this process: the serial read of a log (the
 * parser over every line), and the read with workers (the main thread's ordered parse of the kept
 * lines; the workers' splitting and filtering). CPU time, unlike wall time, does not depend on the
 * share of a busy machine a run gets, so it gives the projection for more cores:
 * t(N) ≈ fixed + max(main, workers / N), with `fixed` = what a run does besides reading
 * (start-up, the module's rule, the end-of-run work).
 */
import { readFileSync } from 'node:fs';
import { openInputs } from '../src/sources/log-input.js';
import { LoginStream } from '../src/sources/login-stream.js';
import { groupRotatedSets } from '../src/sources/rotated-sets.js';
import { WorkerPool } from '../src/sources/parallel/worker-pool.js';
import { TimeZone } from '../src/time/zone.js';

export interface CpuSplit {
  /** One thread parsing every line. */
  readonly serialMs: number;
  /** With `jobs` workers: the main thread, and all workers together. */
  readonly mainMs: number;
  readonly workersMs: number;
  readonly logins: number;
}

/** CPU time of the calling thread (Linux: /proc/thread-self/stat, in clock ticks of 10 ms). */
function threadCpuMs(): number {
  const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function read(paths: readonly string[], pool: WorkerPool | null): Promise<{ mainMs: number; totalMs: number; logins: number }> {
  const main0 = threadCpuMs();
  const total0 = processCpuMs();
  const [pieces] = groupRotatedSets(await openInputs(paths));
  const stream = new LoginStream(pieces!, { format: null, time: { zone: TimeZone.of('UTC', '--timezone'), monthZone: null }, notice: () => {} });
  if (pool !== null && !(await stream.useWorkers(pool, { force: true }))) throw new Error(`${paths[0]}: not read by workers`);
  let logins = 0;
  for (let batch = await stream.next(); batch !== null; batch = await stream.next()) logins += batch.length;
  return { mainMs: threadCpuMs() - main0, totalMs: processCpuMs() - total0, logins };
}

/** `paths`: one log, or the pieces of one rotated log. */
export async function cpuSplit(paths: readonly string[], jobs: number): Promise<CpuSplit> {
  const serial = await read(paths, null);
  const pool = new WorkerPool(jobs);
  try {
    const parallel = await read(paths, pool);
    if (parallel.logins !== serial.logins) throw new Error(`${paths[0]}: ${parallel.logins} logins with workers, ${serial.logins} without`);
    return { serialMs: serial.totalMs, mainMs: parallel.mainMs, workersMs: Math.max(0, parallel.totalMs - parallel.mainMs), logins: serial.logins };
  } finally {
    pool.close();
  }
}
