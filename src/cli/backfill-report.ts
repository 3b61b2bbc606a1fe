import type { MonthCoverage } from '../core/log-coverage.js';
import type { BackfilledMonth, BackfillResult } from '../pipeline/backfill-into-store.js';
import type { Reporter } from './reporter.js';
import { stripControl } from './reporter.js';
import { textTable } from './text-table.js';

/**
 * What backfill did (or would do) per host and month: a table on stdout, notes on stderr, or the
 * same as JSON. Counts and months only, never user names.
 */

const ACTION_TEXT = {
  add: { done: 'added', dry: 'add' },
  replace: { done: 'replaced', dry: 'replace' },
  keep: { done: 'kept', dry: 'keep' },
} as const;

/** The per-month table. Host names came from logs: control characters are shown escaped. */
export function backfillTable(result: BackfillResult, dryRun: boolean): string {
  if (result.months.length === 0) return 'no logins to backfill\n';
  const rows = result.months.map((m) => [
    stripControl(m.host),
    m.month,
    dryRun ? ACTION_TEXT[m.action].dry : ACTION_TEXT[m.action].done,
    String(m.visitors),
    m.storedVisitors === null ? '-' : String(m.storedVisitors),
    note(m),
  ]);
  return textTable(['host', 'month', dryRun ? 'would' : 'action', 'visitors', 'stored', 'note'], rows, [3, 4]);
}

function note(m: BackfilledMonth): string {
  const parts: string[] = [];
  if (m.action === 'keep') parts.push(m.differs ? 'in the store with other counts (--replace recomputes)' : 'in the store, same counts');
  else if (m.action === 'replace' && !m.differs) parts.push('same counts');
  if (m.coverage?.partial) parts.push(`partial: ${partialText(m.coverage)}`);
  return parts.join('; ');
}

/** Why a month is partial, in a few words: `starts 2026-10-20 14:00, 1 gap (longest 250.0 h)`. */
export function partialText(c: MonthCoverage): string {
  const parts: string[] = [];
  const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  if (c.startsLate) parts.push(`starts ${day(c.firstLine)}`);
  if (c.endsEarly) parts.push(`ends ${day(c.lastLine)}`);
  if (c.gaps.length > 0) {
    const longest = Math.max(...c.gaps.map((g) => g.hours));
    parts.push(`${c.gaps.length} gap${c.gaps.length === 1 ? '' : 's'} (longest ${longest.toFixed(1)} h)`);
  }
  return parts.join(', ');
}

/** Warnings and notes about the merge, on stderr. */
export function reportBackfillNotes(result: BackfillResult, reporter: Reporter, opts: { dryRun: boolean; maxGapHours: number }): void {
  const kept = result.months.filter((m) => m.action === 'keep');
  const keptDiffering = kept.filter((m) => m.differs).length;
  if (keptDiffering > 0) {
    reporter.warn(
      `${keptDiffering} of the backfilled months are already in the store with other counts and were left alone; --replace recomputes them from these logs`,
    );
  } else if (kept.length > 0) {
    reporter.info(`${kept.length} of the backfilled months are already in the store with the same counts and were left alone`);
  }
  const partial = result.months.filter((m) => m.coverage?.partial);
  if (partial.length > 0) {
    reporter.warn(
      `${partial.length} backfilled months are partial (logs start after the 1st, end before the last day, or pause longer than ${opts.maxGapHours} h): ` +
        partial.map((m) => `${stripControl(m.host)} ${m.month}`).join(', '),
    );
  }
  reporter.info(`${opts.dryRun ? 'would set' : 'set'} the last-recorded month of ${result.marksRaised} users`);
}

/** The JSON form: the run summary plus the per-month plan and coverage (no user names). */
export function backfillJson(result: BackfillResult, opts: { replace: boolean; maxGapHours: number }): object {
  return {
    replace: opts.replace,
    maxGapHours: opts.maxGapHours,
    months: result.months.map((m) => ({
      host: m.host,
      month: m.month,
      action: m.action,
      visitors: m.visitors,
      storedVisitors: m.storedVisitors,
      differs: m.differs,
      partial: m.coverage?.partial ?? null,
    })),
    coverage: result.coverage,
    marksRaised: result.marksRaised,
  };
}
