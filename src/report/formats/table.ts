/**
 * `--format table`: for people at an 80-column terminal. Per host a line per month (visitors and
 * change), then each month's breakdowns. Names are cut to fit; anything from a log or a locations
 * file passes through stripControl, so it cannot move the cursor, recolour or retitle the terminal.
 */
import { changeText, COMPLEMENTARY_MARK, figureText } from '../figure-text.js';
import { dimensionsOf, type HostReport, type Report } from '../report-model.js';
import { padEnd, truncate } from '../text-width.js';
import { visibleText as clean } from '../visible-text.js';

export const TABLE_WIDTH = 80;
const COUNT_WIDTH = 8;
const ROW_INDENT = '      ';
const NAME_WIDTH = TABLE_WIDTH - ROW_INDENT.length - 1 - COUNT_WIDTH;

function row(name: string, count: string): string {
  return `${ROW_INDENT}${padEnd(clean(name), NAME_WIDTH)} ${count.padStart(COUNT_WIDTH)}`;
}

function hostLines(h: HostReport, minCount: number | null): string[] {
  const lines = [truncate(clean(h.host), TABLE_WIDTH)];
  if (h.months.length === 0) return [...lines, '  no months in the range', ''];
  lines.push(`  ${'month'.padEnd(10)}${'visitors'.padStart(10)}  change from the month before`);
  for (const m of h.months) {
    const change = m.change === null ? '' : changeText(m.change.delta, m.change.percent);
    lines.push(`  ${truncate(clean(m.month), 10).padEnd(10)}${figureText(m.unique, minCount).padStart(10)}  ${change}`.trimEnd());
  }
  for (const m of h.months) {
    lines.push('', `  ${truncate(clean(m.month), 20)}: unique visitors ${figureText(m.unique, minCount)}`);
    for (const d of dimensionsOf(h)) {
      lines.push(`    by ${d}`);
      for (const c of m.cells[d]) lines.push(row(c.key === c.name ? c.name : `${c.name} [${c.key}]`, figureText(c, minCount)));
    }
  }
  return [...lines, ''];
}

export function renderTable(report: Report): string {
  const lines = report.hosts.length === 0 ? ['no statistics in this data dir', ''] : report.hosts.flatMap((h) => hostLines(h, report.minCount));
  if (report.minCount !== null) {
    const k = report.minCount;
    lines.push(`<${k}: fewer than ${k} visitors (--min-count ${k});`, `${COMPLEMENTARY_MARK}: withheld so that no <${k} figure can be worked out from the others`);
  }
  return `${lines.join('\n')}\n`;
}
