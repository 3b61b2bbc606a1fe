/**
 * `--format html`: one self-contained page — inline CSS and inline SVG, no script, no external
 * resource (its Content-Security-Policy forbids loading anything), so it can be mailed or published
 * as it is. Per host: a bar chart of unique visitors per month; per month: the country and client
 * shares as stacked bars, and every breakdown as a table. All text is HTML-escaped.
 */
import { changeText, figureText } from '../figure-text.js';
import { visibleText } from '../visible-text.js';
import { DIMENSIONS, type Cell, type HostReport, type MonthReport, type Report } from '../report-model.js';

/** Text for HTML content and attributes: control characters made visible, then `&<>"'` escaped. */
export function escapeHtml(s: string): string {
  return visibleText(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const OTHER_COLOUR = '#bab0ac';
const HIDDEN_COLOUR = '#d9d9d9';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fff;max-width:60em}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin:1.5em 0 .3em}
table{border-collapse:collapse;margin:.3em 2em 1em 0}caption{text-align:left;font-weight:bold}.tables{display:flex;flex-wrap:wrap;align-items:flex-start}td,th{padding:.1em .8em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
svg text{font:12px system-ui,sans-serif;fill:#222}.note{color:#555}`;

function visitorsChart(h: HostReport, minCount: number | null): string {
  const barW = 48;
  const gap = 16;
  const top = 24;
  const plotH = 180;
  const width = Math.max(320, h.months.length * (barW + gap) + gap);
  const max = Math.max(1, ...h.months.map((m) => m.unique.count ?? 0));
  const bars = h.months
    .map((m, i) => {
      const x = gap + i * (barW + gap);
      const v = m.unique.count;
      const bh = v === null ? 0 : Math.round((v / max) * plotH);
      const label = escapeHtml(figureText(m.unique, minCount));
      return (
        `<g class="month-bar"><rect class="bar" x="${x}" y="${top + plotH - bh}" width="${barW}" height="${bh}" fill="${PALETTE[0]}"><title>${escapeHtml(m.month)}: ${label}</title></rect>` +
        `<text x="${x + barW / 2}" y="${top + plotH - bh - 6}" text-anchor="middle">${label}</text>` +
        `<text x="${x + barW / 2}" y="${top + plotH + 16}" text-anchor="middle">${escapeHtml(m.month)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="visitors-chart" role="img" aria-label="unique visitors per month" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + plotH + 28}">` +
    `<line x1="0" y1="${top + plotH}" x2="${width}" y2="${top + plotH}" stroke="#888"/>${bars}</svg>`
  );
}

/** One stacked bar of shares: the largest cells, then "other", then what --min-count hides. */
function shareBar(title: string, cells: readonly Cell[], m: MonthReport): string {
  const total = m.unique.count;
  if (total === null || total === 0) return '';
  const shown = cells.filter((c) => c.count !== null);
  const top = shown.slice(0, PALETTE.length);
  const parts = top.map((c, i) => ({ name: c.name, n: c.count!, colour: PALETTE[i]! }));
  const other = shown.slice(PALETTE.length).reduce((s, c) => s + c.count!, 0);
  if (other > 0) parts.push({ name: 'other', n: other, colour: OTHER_COLOUR });
  const hidden = total - shown.reduce((s, c) => s + c.count!, 0);
  if (hidden > 0) parts.push({ name: 'hidden (--min-count)', n: hidden, colour: HIDDEN_COLOUR });
  const width = 600;
  let x = 0;
  const rects = parts
    .map((p) => {
      const w = (p.n / total) * width;
      const pct = `${Math.round((p.n / total) * 1000) / 10}%`;
      const r = `<rect class="share" x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="24" fill="${p.colour}"><title>${escapeHtml(p.name)}: ${pct}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  const legend = parts.map((p) => `<span><i style="background:${p.colour}"></i>${escapeHtml(p.name)} ${Math.round((p.n / total) * 1000) / 10}%</span>`).join('');
  return (
    `<h4>${escapeHtml(title)}</h4><svg class="share-chart" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="24">${rects}</svg>` +
    `<div class="legend">${legend}</div>`
  );
}

function cellTable(dimension: string, cells: readonly Cell[], minCount: number | null): string {
  const rows = cells.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.key)}</code></td><td class="n">${escapeHtml(figureText(c, minCount))}</td></tr>`).join('');
  return `<table class="cells ${dimension}"><caption>by ${dimension}</caption><tr><th>name</th><th>key</th><th>visitors</th></tr>${rows}</table>`;
}

function monthSection(m: MonthReport, minCount: number | null): string {
  const change = m.change === null ? '' : ` (${escapeHtml(changeText(m.change.delta, m.change.percent))} from ${escapeHtml(m.change.previousMonth)})`;
  return (
    `<section class="month"><h3>${escapeHtml(m.month)}: unique visitors ${escapeHtml(figureText(m.unique, minCount))}${change}</h3>` +
    shareBar('country shares', m.cells.country, m) +
    shareBar('client shares', m.cells.client, m) +
    `<div class="tables">${DIMENSIONS.map((d) => cellTable(d, m.cells[d], minCount)).join('')}</div>` +
    `</section>`
  );
}

function hostSection(h: HostReport, minCount: number | null): string {
  if (h.months.length === 0) return `<section class="host"><h2>${escapeHtml(h.host)}</h2><p>No months in the range.</p></section>`;
  return `<section class="host"><h2>${escapeHtml(h.host)}</h2>${visitorsChart(h, minCount)}${h.months.map((m) => monthSection(m, minCount)).join('')}</section>`;
}

export function renderHtml(report: Report): string {
  const k = report.minCount;
  const note = k === null ? '' : `<p class="note">&lt;${k}: fewer than ${k} visitors; hidden: withheld so that no &lt;${k} figure can be worked out from the others.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Monthly visitors</title><style>${CSS}</style></head>
<body><h1>Monthly visitors</h1>${note}${report.hosts.map((h) => hostSection(h, k)).join('')}${report.hosts.length === 0 ? '<p>No statistics in this data dir.</p>' : ''}</body></html>
`;
}
