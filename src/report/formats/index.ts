/** The output formats of `report`, by name. */
import type { Report } from '../report-model.js';
import type { RenderOptions } from './render-options.js';

export { DEFAULT_RENDER_OPTIONS, type RenderOptions } from './render-options.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderPrometheus } from './prometheus.js';
import { renderTable } from './table.js';

export const REPORT_FORMATS = {
  table: renderTable,
  json: renderJson,
  csv: renderCsv,
  prometheus: renderPrometheus,
  html: renderHtml,
} as const satisfies Record<string, (r: Report, opts: RenderOptions) => string>;

export type ReportFormat = keyof typeof REPORT_FORMATS;

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(REPORT_FORMATS, name);
}
