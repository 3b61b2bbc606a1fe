/**
 * Backfill into an existing store (SPEC §7): the months of the logs are computed from scratch (a
 * fresh tally over an empty store), then merged into what is stored by the rules below. Pure: the
 * stored state comes in as a StatsView and the result is the changes to commit.
 *
 * Months:
 * - a month the host record does not have is **added**;
 * - a month it has is **kept** as stored (and reported, saying whether the logs give other counts),
 *   unless `replace`: then it is **replaced** by the recomputed month.
 *
 * Users' `last-recorded` marks come only from the months that are written (added or replaced): a
 * user's mark becomes the latest such month the user was counted in, unless the stored mark is
 * later. Why not from kept months: the stored month may not count that user (a store that started
 * mid-month), and a mark would then make a later `tail` run skip the user's next login in that
 * month — the user would be missing from it. Why this never double-counts: a written month counts
 * each user at most once (it is recomputed whole, not added to), and every user it counts is marked
 * with it or a later month, so `tail` skips them for the rest of that month; kept months and their
 * users' marks are not touched at all. Why the same backfill twice changes nothing: the second run
 * finds every month present (kept), or with `replace` recomputes the same counts, and every mark it
 * would set is already at least that month.
 */
import type { HostRecord, Outcome, StatsView } from './monthly-tally.js';
import type { LoginEvent } from './login-event.js';
import { monthVisitors } from './month-layout.js';

/**
 * The months a fresh tally counted each user in, per host: `last`, each user's last counted month
 * (the tally's marks, in the order users were first counted), and `earlier`, the months before it
 * (ascending) of users counted in several.
 */
export interface CountedMonths {
  readonly last: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly earlier: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

/**
 * Collects, from the outcomes of a fresh tally, the earlier months of users counted more than
 * once; the last month of each is the tally's mark. Most users are counted in one month: nothing
 * is looked up or kept for them.
 */
export class CountedMonthsCollector {
  private readonly earlier = new Map<string, Map<string, string[]>>();

  /** Give it every login with its outcome and the user's mark before it, in the order the tally saw them. */
  observe(event: LoginEvent, outcome: Outcome, previousMark: string | undefined): void {
    // A fresh tally's marks are its own: a previous mark is an earlier month counted (ascending).
    if (outcome !== 'counted' || previousMark === undefined) return;
    let users = this.earlier.get(event.host);
    if (!users) this.earlier.set(event.host, (users = new Map()));
    const months = users.get(event.user);
    if (months === undefined) users.set(event.user, [previousMark]);
    else months.push(previousMark);
  }

  /** With the fresh tally's marks (its `takeChanges().users`): every month each user was counted in. */
  counted(marks: ReadonlyMap<string, ReadonlyMap<string, string>>): CountedMonths {
    return { last: marks, earlier: this.earlier };
  }
}

/** A store with nothing in it, for computing months from scratch. */
export function emptyStatsView(storable?: StatsView['storable']): StatsView & { readonly hosts: Map<string, HostRecord> } {
  const hosts = new Map<string, HostRecord>();
  return {
    hosts,
    // What the store cannot hold is skipped in the fresh count too, as in an incremental run.
    storable,
    hostRecord: (host) => {
      let r = hosts.get(host);
      if (!r) hosts.set(host, (r = new Map()));
      return r;
    },
    lastRecorded: () => undefined,
  };
}

export type MonthAction = 'add' | 'replace' | 'keep';

export interface MonthMerge {
  readonly host: string;
  readonly month: string;
  readonly action: MonthAction;
  /** Unique visitors (the sum of the client counts) the logs give for the month. */
  readonly visitors: number;
  /** The same in the stored month; null when the store has no such month. */
  readonly storedVisitors: number | null;
  /** Whether the logs give other counts than the stored month (always true for an added month). */
  readonly differs: boolean;
}

export interface BackfillMerge {
  /** Every backfilled month, by host then month. */
  readonly months: MonthMerge[];
  /** What to commit: complete new host records, and the users whose mark is raised. */
  readonly changes: { hosts: Map<string, HostRecord>; users: Map<string, Map<string, string>> };
  /** Users whose `last-recorded` is set or raised. */
  readonly marksRaised: number;
}

export function mergeBackfill(
  stored: StatsView,
  fresh: { hosts: ReadonlyMap<string, HostRecord>; counted: CountedMonths },
  opts: { replace: boolean },
): BackfillMerge {
  const months: MonthMerge[] = [];
  const hosts = new Map<string, HostRecord>();
  const users = new Map<string, Map<string, string>>();
  let marksRaised = 0;
  for (const host of [...fresh.hosts.keys()].sort()) {
    const computed = fresh.hosts.get(host)!;
    if (computed.size === 0) continue; // every login of the host was filtered
    const before = stored.hostRecord(host);
    const next: HostRecord = new Map(before);
    const written = new Set<string>();
    for (const month of [...computed.keys()].sort()) {
      const counts = computed.get(month)!;
      const old = before.get(month);
      const action: MonthAction = old === undefined ? 'add' : opts.replace ? 'replace' : 'keep';
      months.push({
        host,
        month,
        action,
        visitors: visitorsIn(counts),
        storedVisitors: old === undefined ? null : visitorsIn(old),
        differs: old === undefined || !sameCounts(old, counts),
      });
      if (action === 'keep') continue;
      next.set(month, counts);
      written.add(month);
    }
    if (written.size > 0) hosts.set(host, next);
    const marks = new Map<string, string>();
    // Every month written (a new store, or --replace): a user's latest written month is the last counted.
    const allWritten = written.size === computed.size;
    const earlier = fresh.counted.earlier.get(host);
    for (const [user, last] of fresh.counted.last.get(host) ?? []) {
      // Read even when nothing changes for the user: a corrupt record must stop the run, as in a
      // normal run (SPEC §10), rather than depend on which months happen to be written.
      const mark = stored.lastRecorded(host, user);
      const latest = allWritten || written.has(last) ? last : latestWritten(earlier?.get(user), written);
      if (latest === undefined) continue;
      if (mark !== undefined && mark >= latest) continue;
      marks.set(user, latest);
      marksRaised++;
    }
    if (marks.size > 0) users.set(host, marks);
  }
  return { months, changes: { hosts, users }, marksRaised };
}

/** The module counts each visitor once under exactly one `client-…` key (the fork: `users_seen`): their sum is the visitors. */
export function visitorsIn(counts: ReadonlyMap<string, number>): number {
  return monthVisitors(counts);
}

function latestWritten(ascending: readonly string[] | undefined, written: ReadonlySet<string>): string | undefined {
  if (ascending === undefined) return undefined;
  for (let i = ascending.length - 1; i >= 0; i--) if (written.has(ascending[i]!)) return ascending[i];
  return undefined;
}

function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, n] of a) if (b.get(k) !== n) return false;
  return true;
}
