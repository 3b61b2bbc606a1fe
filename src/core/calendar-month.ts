/**
 * Calendar arithmetic on the module's month keys (`YYYY-MM`, as `os.date("%Y-%m")` writes them),
 * through date-fns rather than by hand: stepping across years and the length of a month.
 *
 * date-fns computes on a Date's local fields; a month key has no time zone, so a key becomes the
 * local noon of its 1st (no zone moves that to another day) and comes back from local fields.
 * Years 0–99 are set with setFullYear: `new Date(y, m)` would read them as 1900–1999.
 */
import { addMonths } from 'date-fns/addMonths';
import { getDaysInMonth } from 'date-fns/getDaysInMonth';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Whether `text` is a month key `YYYY-MM` (years 0000–9999, months 01–12). */
export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/** The month `n` months before `month` (n may be negative: after), or undefined when `month` is not
 * a month key or the result falls outside years 0000–9999 (no key can name it). */
export function monthsBefore(month: string, n: number): string | undefined {
  const date = monthDate(month);
  if (date === undefined || !Number.isSafeInteger(n)) return undefined;
  return monthKey(addMonths(date, -n));
}

/** Days in a month (`month` 1–12): 28–31, the Gregorian leap rule included. */
export function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setFullYear(year, month - 1, 1);
  date.setHours(12, 0, 0, 0);
  return getDaysInMonth(date);
}

function monthDate(month: string): Date | undefined {
  const m = MONTH.exec(month);
  if (!m) return undefined;
  const date = new Date(0);
  date.setFullYear(Number(m[1]), Number(m[2]) - 1, 1);
  date.setHours(12, 0, 0, 0);
  return date;
}

function monthKey(date: Date): string | undefined {
  const year = date.getFullYear();
  if (!(year >= 0 && year <= 9999)) return undefined; // NaN too (a step beyond what a Date holds)
  const month = date.getMonth() + 1;
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}`;
}
