import { UsageError } from '../errors.js';

/**
 * The clock a cluster node reads (watermarks, the node timeout). Tests that replay logs of the
 * past set `MONTHLY_VISITORS_CLOCK` (an ISO 8601 instant) to run at the time the log was written;
 * nothing else sets it.
 */
export const CLOCK_VARIABLE = 'MONTHLY_VISITORS_CLOCK';

export function clock(env: NodeJS.ProcessEnv = process.env): () => number {
  const fixed = env[CLOCK_VARIABLE];
  if (fixed === undefined || fixed === '') return Date.now;
  const ms = Date.parse(fixed);
  if (!Number.isFinite(ms)) throw new UsageError(`${CLOCK_VARIABLE}=${fixed}: expected an ISO 8601 instant`);
  return () => ms;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `45m`, `2h`, `1d` (or plain seconds) in milliseconds. */
export function duration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim());
  if (m === null || Number(m[1]) <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a duration such as 90m, 2h or 1d`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}

/** A node's name: printable, no surrounding space, at most 200 characters. */
export function nodeNameOf(name: string): string {
  if (name === '' || name.length > 200 || name.trim() !== name || /[\x00-\x1f\x7f]/.test(name)) {
    throw new UsageError(`--node-name ${JSON.stringify(name)}: expected a printable name of 1 to 200 characters (this node's host name, say)`);
  }
  return name;
}
