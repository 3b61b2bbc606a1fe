import { changeText, figureText } from '../../figure-text.js';
import type { HostReport } from '../../report-model.js';
import { escapeHtml } from './svg-text.js';

const BAR_COLOUR = '#4e79a7';

/**
 * Unique visitors per month as bars, each with its figure above and, under its month, the change
 * from the month before. A month hidden by --min-count has no bar, only its marker (`<5`).
 */
export function trendChart(h: HostReport, minCount: number | null): string {
  const barW = 40;
  const gap = 14;
  const top = 22;
  const plotH = 160;
  const width = Math.max(320, h.months.length * (barW + gap) + gap);
  const height = top + plotH + 40;
  const max = Math.max(1, ...h.months.map((m) => m.unique.count ?? 0));
  const bars = h.months
    .map((m, i) => {
      const x = gap + i * (barW + gap);
      const mid = x + barW / 2;
      const v = m.unique.count;
      const bh = v === null ? 0 : Math.max(v > 0 ? 1 : 0, Math.round((v / max) * plotH));
      const label = escapeHtml(figureText(m.unique, minCount));
      const change = m.change === null ? '' : changeText(m.change.delta, m.change.percent).replace(/ \(.*\)$/, '');
      const pct = m.change?.percent;
      const changeLabel = m.change === null ? '' : pct === null || pct === undefined ? change : `${pct > 0 ? '+' : ''}${pct}%`;
      return (
        `<g class="month-bar"><rect class="bar" x="${x}" y="${top + plotH - bh}" width="${barW}" height="${bh}" fill="${BAR_COLOUR}">` +
        `<title>${escapeHtml(m.month)}: ${label} unique visitors${m.change === null ? '' : `, ${escapeHtml(changeText(m.change.delta, m.change.percent))} from ${escapeHtml(m.change.previousMonth)}`}</title></rect>` +
        `<text class="value" x="${mid}" y="${top + plotH - bh - 5}" text-anchor="middle">${label}</text>` +
        `<text class="month" x="${mid}" y="${top + plotH + 15}" text-anchor="middle">${escapeHtml(m.month)}</text>` +
        (changeLabel === '' ? '' : `<text class="change" x="${mid}" y="${top + plotH + 31}" text-anchor="middle">${escapeHtml(changeLabel)}</text>`) +
        `</g>`
      );
    })
    .join('');
  return (
    `<div class="chart"><svg class="visitors-chart" role="img" aria-label="unique visitors per month" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<line x1="0" y1="${top + plotH}" x2="${width}" y2="${top + plotH}" stroke="#888"/>${bars}</svg></div>`
  );
}
