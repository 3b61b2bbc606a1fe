/**
 * Which stretches of time the logs of a run cover, so backfill can say which months are partial
 * (SPEC §7). Fed with the time of log lines — every parsed line, not only logins, because a quiet
 * night without logins is still covered by the server's other lines. Pure: no clock, no zone; the
 * caller says where each month begins and ends.
 *
 * Memory does not grow with the log: each log keeps a list of covered intervals (consecutive lines
 * at most `maxGapMs` apart extend the current one), and a first and last line per month.
 * Parsers report one line per minute of log (the first), so times are known to the minute: reports
 * show them without seconds, and a gap may read up to a minute longer than it was.
 */

/** A line's instant (epoch ms), the month it counts in, and its local time as logged (ISO). */
export interface LinePoint {
  readonly time: number;
  readonly month: string;
  readonly localTime: string;
}

interface Interval {
  start: number;
  end: number;
}

/** The lines of one log (a file or a rotated set), in the order they were read. */
export class LogCoverage {
  readonly intervals: Interval[] = [];

  constructor(
    readonly maxGapMs: number,
    private readonly months: Map<string, { first: LinePoint; last: LinePoint }>,
  ) {}

  add(point: LinePoint): void {
    const t = point.time;
    const cur = this.intervals[this.intervals.length - 1];
    // Lines are mostly in order; one out of order (a clock step back) only starts another interval.
    if (cur !== undefined && t >= cur.start - this.maxGapMs && t <= cur.end + this.maxGapMs) {
      if (t > cur.end) cur.end = t;
      if (t < cur.start) cur.start = t;
    } else {
      this.intervals.push({ start: t, end: t });
    }
    const m = this.months.get(point.month);
    if (m === undefined) this.months.set(point.month, { first: point, last: point });
    else if (t < m.first.time) m.first = point;
    else if (t > m.last.time) m.last = point;
  }

  /** What this log's lines and months were, to hand to another thread (points as plain data). */
  seen(): { intervals: Interval[]; months: [string, { first: LinePoint; last: LinePoint }][] } {
    const plain = (p: LinePoint): LinePoint => ({ time: p.time, month: p.month, localTime: p.localTime });
    return { intervals: this.intervals, months: [...this.months].map(([month, { first, last }]) => [month, { first: plain(first), last: plain(last) }]) };
  }

  /**
   * What a coverage of this same log on another thread saw (`seen`), as if its lines had been added
   * here; this one must have seen none of them. Months shared with other logs keep the earliest
   * first and the latest last line, as `add` does (of two lines of different logs at the very same
   * millisecond, the one kept may differ from a serial read's: the same instant either way).
   */
  absorb(other: { intervals: readonly Interval[]; months: readonly [string, { first: LinePoint; last: LinePoint }][] }): void {
    this.intervals.push(...other.intervals.map((i) => ({ ...i })));
    for (const [month, { first, last }] of other.months) {
      const m = this.months.get(month);
      if (m === undefined) {
        this.months.set(month, { first, last });
        continue;
      }
      if (first.time < m.first.time) m.first = first;
      if (last.time > m.last.time) m.last = last;
    }
  }
}

/** Where a month begins and ends on the clock months are counted in (epoch ms). */
export interface MonthBounds {
  /** 00:00 of the 1st. */
  readonly start: number;
  /** 00:00 of the 2nd: a first line at or after this means the logs start after the month's first day. */
  readonly secondDay: number;
  /** 00:00 of the last day: a last line before this means the logs end before the month's last day. */
  readonly lastDay: number;
  /** 00:00 of the next month's 1st. */
  readonly end: number;
}

export interface CoverageGap {
  /** The minutes of the last line before the gap and of the first after it (ISO, no seconds). */
  readonly from: string;
  readonly to: string;
  readonly hours: number;
}

export interface MonthCoverage {
  readonly month: string;
  /** The minutes of the month's first and last line, local time as logged (ISO, no seconds). */
  readonly firstLine: string;
  readonly lastLine: string;
  /** The first line is on the 2nd or later. */
  readonly startsLate: boolean;
  /** The last line is before the last day. */
  readonly endsEarly: boolean;
  /** Stretches longer than the allowed gap without a line, overlapping this month. */
  readonly gaps: readonly CoverageGap[];
  readonly partial: boolean;
}

/** All logs of a run. */
export class RunCoverage {
  private readonly logs: LogCoverage[] = [];
  private readonly months = new Map<string, { first: LinePoint; last: LinePoint }>();

  constructor(readonly maxGapMs: number) {}

  /** A tracker for one more log. */
  log(): LogCoverage {
    const c = new LogCoverage(this.maxGapMs, this.months);
    this.logs.push(c);
    return c;
  }

  /**
   * Per month that has lines: where its lines start and end and which gaps it has. The gaps are
   * those of all logs together: a gap in one log that another log's lines fill is no gap.
   */
  report(bounds: (month: string) => MonthBounds, show: (time: number) => string): MonthCoverage[] {
    const holes = this.holes();
    const out: MonthCoverage[] = [];
    for (const [month, { first, last }] of [...this.months].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const b = bounds(month);
      const gaps = holes
        .filter((h) => h.from < b.end && h.to > b.start)
        .map((h) => ({ from: toMinute(show(h.from)), to: toMinute(show(h.to)), hours: Math.round(((h.to - h.from) / 3_600_000) * 10) / 10 }));
      const startsLate = first.time >= b.secondDay;
      const endsEarly = last.time < b.lastDay;
      out.push({
        month,
        firstLine: toMinute(first.localTime),
        lastLine: toMinute(last.localTime),
        startsLate,
        endsEarly,
        gaps,
        partial: startsLate || endsEarly || gaps.length > 0,
      });
    }
    return out;
  }

  /** Stretches longer than the allowed gap between lines of all logs together. */
  private holes(): Array<{ from: number; to: number }> {
    const all = this.logs.flatMap((l) => l.intervals).sort((a, b) => a.start - b.start);
    const holes: Array<{ from: number; to: number }> = [];
    let end = -Infinity;
    for (const i of all) {
      if (end !== -Infinity && i.start - end > this.maxGapMs) holes.push({ from: end, to: i.start });
      if (i.end > end) end = i.end;
    }
    return holes;
  }
}

/** `2026-10-20T14:00:03.250+02:00` → `2026-10-20T14:00+02:00`. */
function toMinute(iso: string): string {
  return iso.replace(/^(\d{4,}-\d\d-\d\dT\d\d:\d\d):\d\d(\.\d+)?/, '$1');
}
