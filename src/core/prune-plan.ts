/**
 * `prune --keep-months N` (SPEC §8, the module's roadmap item): keep the N most recent months
 * counting the current one, delete older months from host records and the marks of users last
 * counted before them. Pure: gets the stored records, returns the changes and per-host counts.
 *
 * Only what is certainly a month is judged: a host record key or a `last-recorded` value that is
 * not `YYYY-MM` (something a newer module wrote?) is kept, as the store's reader keeps it.
 */
import { isMonth, monthsBefore } from './calendar-month.js';
import type { HostRecord } from './monthly-tally.js';

export { isMonth };

/** The oldest month no key can be before: keeping more months than reach back to it keeps them all. */
const FIRST_MONTH = '0000-01';

/** `prune --keep-months` takes 1 … this (a century): more is surely a mistake. */
export const MAX_KEEP_MONTHS = 1200;

/**
 * The oldest month kept: `now` and the N - 1 months before it (N = 12 at 2026-11 → 2025-12).
 * N reaching back past year 0 keeps every month (`0000-01`, the oldest a key can name).
 */
export function oldestKeptMonth(now: string, keepMonths: number): string {
  if (!isMonth(now) || !Number.isSafeInteger(keepMonths) || keepMonths < 1) throw new RangeError(`oldestKeptMonth(${now}, ${keepMonths})`);
  return monthsBefore(now, keepMonths - 1) ?? FIRST_MONTH;
}

export interface StoredHost {
  readonly host: string;
  readonly record: HostRecord;
  readonly users: Iterable<{ readonly user: string; readonly lastRecorded: string }>;
}

export interface HostPrune {
  readonly host: string;
  readonly monthsRemoved: number;
  readonly monthsKept: number;
  /** Users whose `last-recorded` month is older than the oldest kept month. */
  readonly usersRemoved: number;
  readonly usersKept: number;
  /** The oldest and newest month removed, or null when none is. */
  readonly removedFrom: string | null;
  readonly removedTo: string | null;
}

export interface PrunePlan {
  readonly hosts: HostPrune[];
  /** New host records (an empty one removes the file) and the marks to remove (null). */
  readonly changes: { hosts: Map<string, HostRecord>; users: Map<string, Map<string, null>> };
}

export function planPrune(stored: Iterable<StoredHost>, oldestKept: string): PrunePlan {
  const hosts: HostPrune[] = [];
  const changes: PrunePlan['changes'] = { hosts: new Map(), users: new Map() };
  const tooOld = (month: string) => isMonth(month) && month < oldestKept;
  for (const { host, record, users } of stored) {
    const removed = [...record.keys()].filter(tooOld).sort();
    if (removed.length > 0) {
      const next: HostRecord = new Map([...record].filter(([month]) => !tooOld(month)));
      changes.hosts.set(host, next);
    }
    const gone = new Map<string, null>();
    let usersKept = 0;
    for (const { user, lastRecorded } of users) {
      if (tooOld(lastRecorded)) gone.set(user, null);
      else usersKept++;
    }
    if (gone.size > 0) changes.users.set(host, gone);
    hosts.push({
      host,
      monthsRemoved: removed.length,
      monthsKept: record.size - removed.length,
      usersRemoved: gone.size,
      usersKept,
      removedFrom: removed[0] ?? null,
      removedTo: removed[removed.length - 1] ?? null,
    });
  }
  return { hosts, changes };
}
