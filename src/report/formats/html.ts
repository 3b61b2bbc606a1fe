/**
 * `--format html`: one self-contained page — inline CSS and inline SVG, no script, no external
 * resource (its Content-Security-Policy forbids loading anything), so it can be mailed or published
 * as it is. Per host: unique visitors per month with the change from the month before; countries
 * and clients as stacked shares over the months; a world map of one month; then per month the
 * shares and every breakdown as a table. A category looks the same everywhere in the page. All
 * text is HTML-escaped.
 */
import { changeText, figureText } from '../figure-text.js';
import { dimensionsOf, reportDimensions, type Cell, type HostReport, type MonthReport, type Report } from '../report-model.js';
import type { RenderOptions } from './render-options.js';
import { CategoryStyles } from './html/category-styles.js';
import { shareBar, shareStacks, topKeys } from './html/share-stacks.js';
import { escapeHtml } from './html/svg-text.js';
import { trendChart } from './html/trend-chart.js';
import { countryShapeDefs, mapMonth, worldMap } from './html/world-map.js';

export { escapeHtml } from './html/svg-text.js';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;padding:0 1.5em;color:#222;background:#fff;max-width:70em}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc;overflow-wrap:anywhere}h3{margin:1.5em 0 .3em}h4{margin:.8em 0 .2em}
table{border-collapse:collapse;margin:.3em 2em 1em 0}caption{text-align:left;font-weight:bold}.tables{display:flex;flex-wrap:wrap;align-items:flex-start}
td,th{padding:.1em .8em;text-align:left;overflow-wrap:anywhere}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chart{max-width:100%;overflow-x:auto}.chart svg{display:block}
.legend{display:flex;flex-wrap:wrap;gap:.2em 1em;margin:.3em 0 .8em}.legend .key{display:inline-flex;align-items:center;gap:.3em}
.map-row{display:flex;flex-wrap:wrap;align-items:flex-start;gap:1em}.map{flex:1 1 28em;min-width:0}.world-map{width:100%;height:auto;display:block}
svg text{font:12px system-ui,sans-serif;fill:#222}svg text.change{fill:#555}.note{color:#555}
@media (max-width:40em){body{padding:0 .6em;margin:1em auto}table{margin-right:0}}`;

function monthSection(m: MonthReport, h: HostReport, opts: RenderOptions, styles: CategoryStyles, minCount: number | null): string {
  const change = m.change === null ? '' : ` (${escapeHtml(changeText(m.change.delta, m.change.percent))} from ${escapeHtml(m.change.previousMonth)})`;
  return (
    `<section class="month"><h3>${escapeHtml(m.month)}: unique visitors ${escapeHtml(figureText(m.unique, minCount))}${change}</h3>` +
    shareBar('country shares', 'country', m, topKeys(h, 'country', opts.top), styles) +
    shareBar('client shares', 'client', m, topKeys(h, 'client', opts.top), styles) +
    (h.layout === 'fork-isp' ? shareBar('ISP shares', 'isp', m, topKeys(h, 'isp', opts.top), styles) : '') +
    `<div class="tables">${dimensionsOf(h).map((d) => cellTable(d, m.cells[d], minCount)).join('')}</div>` +
    `</section>`
  );
}

function cellTable(dimension: string, cells: readonly Cell[], minCount: number | null): string {
  const rows = cells.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.key)}</code></td><td class="n">${escapeHtml(figureText(c, minCount))}</td></tr>`).join('');
  return `<table class="cells ${dimension}"><caption>by ${dimension}</caption><tr><th>name</th><th>key</th><th>visitors</th></tr>${rows}</table>`;
}

function hostSection(h: HostReport, opts: RenderOptions, styles: CategoryStyles, minCount: number | null): string {
  const title = `<h2>${escapeHtml(h.host)}</h2>`;
  if (h.months.length === 0) return `<section class="host">${title}<p>No months in the range.</p></section>`;
  const mapOf = mapMonth(h, opts.mapMonth);
  return (
    `<section class="host">${title}` +
    `<h3>Unique visitors per month</h3>${trendChart(h, minCount)}` +
    `<h3>Countries, share of each month's visitors</h3>${shareStacks(h, 'country', opts.top, styles, minCount)}` +
    `<h3>Clients, share of each month's visitors</h3>${shareStacks(h, 'client', opts.top, styles, minCount)}` +
    (h.layout === 'fork-isp' ? `<h3>ISPs, share of each month's visitors</h3>${shareStacks(h, 'isp', opts.top, styles, minCount)}` : '') +
    (mapOf === undefined ? '' : `<h3>Where visitors came from, ${escapeHtml(mapOf.month)}</h3>${worldMap(mapOf, minCount)}`) +
    `${[...h.months].reverse().map((m) => monthSection(m, h, opts, styles, minCount)).join('')}</section>`
  );
}

export function renderHtml(report: Report, opts: RenderOptions): string {
  const k = report.minCount;
  const note = k === null ? '' : `<p class="note">&lt;${k}: fewer than ${k} visitors; hidden: withheld so that no &lt;${k} figure can be worked out from the others.</p>`;
  const styles = new CategoryStyles(report, reportDimensions(report).includes('isp') ? ['country', 'client', 'isp'] : ['country', 'client']);
  const anyMonth = report.hosts.some((h) => h.months.length > 0);
  const defs = `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>${styles.defs()}${anyMonth ? countryShapeDefs() : ''}</defs></svg>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Monthly visitors</title><style>${CSS}</style></head>
<body>${defs}<h1>Monthly visitors</h1>${note}${report.hosts.map((h) => hostSection(h, opts, styles, k)).join('')}${report.hosts.length === 0 ? '<p>No statistics in this data dir.</p>' : ''}</body></html>
`;
}
