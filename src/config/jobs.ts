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
