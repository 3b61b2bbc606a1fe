import { daysInMonth } from '../core/calendar-month.js';
import type { MonthBounds } from '../core/log-coverage.js';
import { isoWithOffset, type TimeZone } from './zone.js';

/** Midnights of a `YYYY-MM` month in a zone: its 1st, 2nd, last day, and the next month's 1st. */
export function monthBounds(month: string, zone: TimeZone): MonthBounds {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const midnight = (y: number, mo: number, day: number) => zone.toEpoch({ year: y, month: mo, day, hour: 0, minute: 0, second: 0, millisecond: 0 });
  const days = daysInMonth(year, m);
  return {
    start: midnight(year, m, 1),
    secondDay: midnight(year, m, 2),
    lastDay: midnight(year, m, days),
    end: m === 12 ? midnight(year + 1, 1, 1) : midnight(year, m + 1, 1),
  };
}

/** An instant as local time in a zone, ISO 8601 with its offset. */
export function localIso(epochMs: number, zone: TimeZone): string {
  return isoWithOffset(zone.wallClock(epochMs), zone.offsetAt(epochMs));
}
