import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import type { RunConfig } from './run-config.js';

/** `--jobs N`: a whole number from 1 (the main thread only) to 256. */
export function parseJobs(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--jobs ${text}: give a whole number from 1 to 256 (threads that read logs)`);
  return n;
}

/** Threads a run may use to read logs: `--jobs`, else every core. */
export function jobsOf(config: Pick<RunConfig, 'jobs'>): number {
  return config.jobs ?? availableParallelism();
}

/**
 * Below this many `--jobs`, logs are read on the main thread alone — but for the ranges parsed on
 * their own and stitched (a Prosody debug log), which pay from 2 jobs. Measured on a 2-core machine
 * (docs/parallel.md): a stream worker with one or two filtering workers beside the main thread took
 * 10–30 % longer than one thread, each line being looked at twice and a second heap costing more
 * than the overlap won. Tests reach the worker paths at any `--jobs` through their test-only variables.
 */
export const MIN_PARALLEL_JOBS = 3;
