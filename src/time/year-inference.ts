import type { TimeZone } from './zone.js';
import { InputError } from '../errors.js';

/** Where a log's first year came from: `--year`, or the file's modification time. */
export type YearSource = '--year' | 'modification-time';

/** Told the year of a log's first line, once per tracker. */
export type YearObserver = (year: number, from: YearSource) => void;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Syslog-style timestamps (`Sep 03 09:00:00`) have no year. The first line's year is the latest
 * year in which that timestamp is not later than the file's modification time (plus a day of
 * slack for clock skew and late flushes); after that, a jump from December back to January
 * advances the year (SPEC §5).
 */
export class YearTracker {
  private year = 0;
  /** Month of the previous line; 0 before the first line. */
  private lastMonth = 0;

  /** `explicitYear` (--year) wins over `referenceMs` (file mtime; null for stdin, which has none). */
  private readonly explicitYear: number | undefined;

  constructor(
    private readonly zone: TimeZone,
    private readonly referenceMs: number | null,
    explicitYear?: number,
    private readonly observe?: YearObserver,
  ) {
    this.explicitYear = explicitYear;
  }

  /** Year of a line, given its month and day; call for lines in file order. */
  yearOf(month: number, day: number, hour: number, minute: number, second: number): number {
    if (this.lastMonth === 0) {
      this.year = this.explicitYear ?? this.latestYearNotAfterReference(month, day, hour, minute, second);
      this.observe?.(this.year, this.explicitYear === undefined ? 'modification-time' : '--year');
    } else if (month < this.lastMonth - 6) {
      this.year += 1; // December → January: New Year
    } else if (month > this.lastMonth + 6) {
      return this.year - 1; // a straggler from last December after January lines: keep state
    }
    this.lastMonth = month;
    return this.year;
  }

  private latestYearNotAfterReference(month: number, day: number, hour: number, minute: number, second: number): number {
    // Standard input has no date, and "now" would silently date last year's log this year.
    if (this.referenceMs === null) throw new InputError('the year of a log on standard input cannot be inferred; give --year');
    const limit = this.referenceMs + DAY_MS;
    let year = this.zone.wallClock(this.referenceMs).year;
    const at = (y: number) => this.zone.toEpoch({ year: y, month, day, hour, minute, second, millisecond: 0 });
    while (at(year) > limit) year -= 1;
    return year;
  }
}
