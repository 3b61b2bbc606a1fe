/**
 * `--format csv`: one row per host, month, dimension and key (RFC 4180: CRLF line ends, a field
 * with a comma, quote or line break in double quotes, quotes doubled). The `visitors` dimension has
 * the key `unique`. A text cell that a spreadsheet would run as a formula (first character
 * `= + - @`, TAB or CR) gets a leading `'` (OWASP's advice against CSV injection): hosts, client
 * categories and geo keys come from logs.
 */
import { figureText } from '../figure-text.js';
import { dimensionsOf, type Report } from '../report-model.js';

export const CSV_HEADER = ['host', 'month', 'dimension', 'key', 'name', 'count'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const row = (fields: readonly string[]) => `${fields.map(csvField).join(',')}\r\n`;

export function renderCsv(report: Report): string {
  let out = row(CSV_HEADER);
  for (const h of report.hosts) {
    for (const m of h.months) {
      out += row([h.host, m.month, 'visitors', 'unique', 'unique visitors', figureText(m.unique, report.minCount)]);
      for (const d of dimensionsOf(h)) {
        for (const c of m.cells[d]) out += row([h.host, m.month, d, c.key, c.name, figureText(c, report.minCount)]);
      }
    }
  }
  return out;
}
