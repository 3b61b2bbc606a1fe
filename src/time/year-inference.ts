import type { TimeZone } from './zone.js';

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

  /** `explicitYear` (--year) wins over `referenceMs` (file mtime, or now for stdin). */
  private readonly explicitYear: number | undefined;

  constructor(
    private readonly zone: TimeZone,
    private readonly referenceMs: number,
    explicitYear?: number,
  ) {
    this.explicitYear = explicitYear;
  }

  /** Year of a line, given its month and day; call for lines in file order. */
  yearOf(month: number, day: number, hour: number, minute: number, second: number): number {
    if (this.lastMonth === 0) {
      this.year = this.explicitYear ?? this.latestYearNotAfterReference(month, day, hour, minute, second);
    } else if (month < this.lastMonth - 6) {
      this.year += 1; // December → January: New Year
    } else if (month > this.lastMonth + 6) {
      return this.year - 1; // a straggler from last December after January lines: keep state
    }
    this.lastMonth = month;
    return this.year;
  }

  private latestYearNotAfterReference(month: number, day: number, hour: number, minute: number, second: number): number {
    const limit = this.referenceMs + DAY_MS;
    let year = this.zone.wallClock(this.referenceMs).year;
    const at = (y: number) => this.zone.toEpoch({ year: y, month, day, hour, minute, second, millisecond: 0 });
    while (at(year) > limit) year -= 1;
    return year;
  }
}
