/** `YYYY-MM` months as the module writes them (`os.date("%Y-%m")`). */
import { UsageError } from '../errors.js';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(s: string): boolean {
  return MONTH.test(s);
}

/** Validates a `--from`/`--to` value. */
export function parseMonthOption(value: string, option: string): string {
  if (!isMonth(value)) throw new UsageError(`${option} ${JSON.stringify(value)}: expected a month as YYYY-MM, e.g. 2026-09`);
  return value;
}

/** The calendar month before `month` (`2026-01` → `2025-12`); undefined for a key that is not a month. */
export function previousMonth(month: string): string | undefined {
  const m = MONTH.exec(month);
  if (!m) return undefined;
  let year = Number(m[1]);
  let mon = Number(m[2]) - 1;
  if (mon === 0) {
    year--;
    mon = 12;
  }
  return `${String(year).padStart(4, '0')}-${String(mon).padStart(2, '0')}`;
}
