/** `YYYY-MM` months as the module writes them (`os.date("%Y-%m")`). */
import { isMonth, monthsBefore } from '../core/calendar-month.js';
import { UsageError } from '../errors.js';

export { isMonth };

/** Validates a `--from`/`--to` value. */
export function parseMonthOption(value: string, option: string): string {
  if (!isMonth(value)) throw new UsageError(`${option} ${JSON.stringify(value)}: expected a month as YYYY-MM, e.g. 2026-09`);
  return value;
}

/** The calendar month before `month` (`2026-01` → `2025-12`); undefined for a key that is not a month. */
export function previousMonth(month: string): string | undefined {
  return monthsBefore(month, 1);
}
