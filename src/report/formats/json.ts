/**
 * `--format json`: the report as one JSON document, schema `monthly-visitors/report/1` (described
 * in the README; fields are only ever added under this name, never renamed or retyped).
 */
import { dimensionsOf, type Cell, type Figure, type Report } from '../report-model.js';

export const JSON_SCHEMA = 'monthly-visitors/report/1';

const figure = (f: Figure) => ({ count: f.count, hidden: f.hidden });
const cell = (c: Cell) => ({ key: c.key, name: c.name, count: c.count, hidden: c.hidden });

const FIELD = { country: 'countries', subdivision: 'subdivisions', city: 'cities', client: 'clients', isp: 'isps' } as const;

export function renderJson(report: Report): string {
  const doc = {
    schema: JSON_SCHEMA,
    minCount: report.minCount,
    hosts: report.hosts.map((h) => ({
      host: h.host,
      months: h.months.map((m) => ({
        month: m.month,
        uniqueVisitors: figure(m.unique),
        change: m.change,
        ...Object.fromEntries(dimensionsOf(h).map((d) => [FIELD[d], m.cells[d].map(cell)])),
      })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
