import { CountedMonthsCollector, emptyStatsView, mergeBackfill, type MonthMerge } from '../core/backfill-merge.js';
import type { MonthCoverage, RunCoverage } from '../core/log-coverage.js';
import type { LoginEvent } from '../core/login-event.js';
import type { Outcome, StatsView, TallyChanges } from '../core/monthly-tally.js';
import { checkRunLayout, recordLayout } from '../core/month-layout.js';
import type { StoreReport } from '../cli/summary.js';
import type { TimeZone } from '../time/zone.js';
import { localIso, monthBounds } from '../time/month-bounds.js';
import type { OutcomeCounts } from './count-logins.js';
import type { StatsStore } from './stats-store.js';

/** Runs the logins of the run through the module's rule against `view`, telling `observe` each outcome. */
export type CountInto = (
  view: StatsView,
  observe: (event: LoginEvent, outcome: Outcome, previousMark: string | undefined) => void,
) => Promise<{ outcomes: OutcomeCounts; changes: TallyChanges }>;

export interface BackfilledMonth extends MonthMerge {
  /** How the logs cover the month (null when the log format gave no line times). */
  readonly coverage: MonthCoverage | null;
}

export interface BackfillResult {
  readonly outcomes: OutcomeCounts;
  readonly store: StoreReport;
  readonly months: readonly BackfilledMonth[];
  /** Every month the logs have lines in, with how they cover it (also months without logins). */
  readonly coverage: readonly MonthCoverage[];
  readonly marksRaised: number;
}

/**
 * SPEC §7: computes the months of the logs from scratch (a fresh tally, empty store), merges them
 * into the opened store (core/backfill-merge.ts has the rules) and commits in one batch. The caller
 * opened `store` before the first read and closes it after: a real run holds the data dir's lock
 * for the whole read-modify-write, so a concurrent `tail` or backfill waits or fails. On SQL storage
 * the merge runs inside one transaction holding the hosts' locks (StatsStore.update), so tails of
 * other nodes keep counting and lose nothing.
 */
export async function backfillIntoStore(
  store: StatsStore,
  count: CountInto,
  coverage: RunCoverage,
  opts: { replace: boolean; monthZone: TimeZone },
): Promise<BackfillResult> {
  const fresh = emptyStatsView(store.view.storable?.bind(store.view));
  const collector = new CountedMonthsCollector();
  const { outcomes, changes } = await count(fresh, (event, outcome, previousMark) => collector.observe(event, outcome, previousMark));
  const counted = collector.counted(changes.users);
  // Read, decide and write as one step: a tail of another node committing in between (SQL
  // storage) would otherwise have a month it just created overwritten as "added".
  const { result: merge, store: written } = store.update([...fresh.hosts.keys()], (stored) => {
    for (const [host, record] of fresh.hosts) {
      const layout = recordLayout(record);
      if (layout !== null) checkRunLayout(stored.hostRecord(host), layout, store.view.recordName?.(host) ?? `host ${JSON.stringify(host)}`);
    }
    const m = mergeBackfill(stored, { hosts: fresh.hosts, counted }, { replace: opts.replace });
    return { changes: m.changes, result: m };
  });
  const covered = coverage.report(
    (month) => monthBounds(month, opts.monthZone),
    (time) => localIso(time, opts.monthZone),
  );
  const byMonth = new Map(covered.map((c) => [c.month, c]));
  return {
    outcomes,
    store: written,
    months: merge.months.map((m) => ({ ...m, coverage: byMonth.get(m.month) ?? null })),
    coverage: covered,
    marksRaised: merge.marksRaised,
  };
}
