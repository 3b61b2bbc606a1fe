/**
 * Shares of countries or clients: one 100% bar per month (stacked shares over time), or one
 * horizontal bar for a month. The parts are the host's top N categories over the months shown, in
 * the same order in every bar, then "other", "unknown" and what --min-count hides; each in its
 * category's look (category-styles.ts). A hidden figure is never drawn with its value: the hidden
 * part is the total minus every shown part, which the tables already give.
 */
import { figureText } from '../../figure-text.js';
import type { Cell, Dimension, HostReport, MonthReport } from '../../report-model.js';
import { CategoryStyles, HIDDEN, OTHER, UNKNOWN, legendEntry, type Look } from './category-styles.js';
import { escapeHtml, percentText } from './svg-text.js';

interface Part {
  readonly name: string;
  readonly n: number;
  readonly look: Look;
}

/** The categories of `dimension` with the most visitors over the host's months (shown figures). */
export function topKeys(h: HostReport, dimension: Dimension, top: number): string[] {
  const totals = new Map<string, number>();
  for (const m of h.months) for (const c of m.cells[dimension]) if (c.key !== '?' && c.count !== null) totals.set(c.key, (totals.get(c.key) ?? 0) + c.count);
  return [...totals]
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, top)
    .map(([k]) => k);
}

function partsOf(m: MonthReport, dimension: Dimension, keys: readonly string[], styles: CategoryStyles): Part[] {
  const total = m.unique.count!;
  const cells = m.cells[dimension];
  const byKey = new Map<string, Cell>(cells.map((c) => [c.key, c]));
  const parts: Part[] = [];
  for (const key of keys) {
    const c = byKey.get(key);
    if (c?.count) parts.push({ name: c.name, n: c.count, look: styles.of(dimension, key) });
  }
  const other = cells.filter((c) => c.key !== '?' && c.count !== null && !keys.includes(c.key)).reduce((s, c) => s + c.count!, 0);
  if (other > 0) parts.push({ name: 'other', n: other, look: OTHER });
  const unknown = byKey.get('?');
  if (unknown?.count) parts.push({ name: unknown.name, n: unknown.count, look: UNKNOWN });
  const hidden = total - cells.reduce((s, c) => s + (c.count ?? 0), 0);
  if (hidden > 0) parts.push({ name: 'hidden', n: hidden, look: HIDDEN });
  return parts;
}

function legend(entries: readonly { look: Look; name: string }[]): string {
  const seen = new Set<string>();
  const unique = entries.filter((e) => (seen.has(e.look.id + e.name) ? false : (seen.add(e.look.id + e.name), true)));
  return `<div class="legend">${unique.map((e) => legendEntry(e.look, e.name)).join('')}</div>`;
}

/** Stacked 100% bars, one per month, for `dimension` (country or client). */
export function shareStacks(h: HostReport, dimension: Dimension, top: number, styles: CategoryStyles, minCount: number | null): string {
  const keys = topKeys(h, dimension, top);
  const barW = 30;
  const gap = 12;
  const plotH = 200;
  const top0 = 6;
  const width = Math.max(320, h.months.length * (barW + gap) + gap);
  const height = top0 + plotH + 22;
  const used: { look: Look; name: string }[] = [];
  const bars = h.months
    .map((m, i) => {
      const x = gap + i * (barW + gap);
      const month = `<text class="month" x="${x + barW / 2}" y="${top0 + plotH + 15}" text-anchor="middle">${escapeHtml(m.month.slice(2))}</text>`;
      if (m.unique.count === null || m.unique.count === 0) {
        const label = figureText(m.unique, minCount);
        if (m.unique.count === null) used.push({ look: HIDDEN, name: 'hidden' });
        return (
          `<g class="stack">${m.unique.count === null ? `<rect class="share hidden" x="${x}" y="${top0}" width="${barW}" height="${plotH}" fill="${CategoryStyles.fill(HIDDEN)}"><title>${escapeHtml(m.month)}: ${escapeHtml(label)} unique visitors</title></rect>` : ''}${month}</g>`
        );
      }
      const total = m.unique.count;
      let y = top0;
      const rects = partsOf(m, dimension, keys, styles)
        .map((p) => {
          used.push(p);
          const hgt = (p.n / total) * plotH;
          const r =
            `<rect class="share" x="${x}" y="${y.toFixed(2)}" width="${barW}" height="${hgt.toFixed(2)}" fill="${CategoryStyles.fill(p.look)}" stroke="#fff" stroke-width=".5">` +
            `<title>${escapeHtml(m.month)}: ${escapeHtml(p.name)}: ${p.look === HIDDEN ? 'hidden' : `${p.n} (${percentText(p.n, total)})`}</title></rect>`;
          y += hgt;
          return r;
        })
        .join('');
      return `<g class="stack">${rects}${month}</g>`;
    })
    .join('');
  const order = [...keys.map((k) => ({ look: styles.of(dimension, k), name: '' })), { look: OTHER, name: '' }, { look: UNKNOWN, name: '' }, { look: HIDDEN, name: '' }];
  const legendEntries = order.flatMap((o) => used.filter((u) => u.look.id === o.look.id).slice(0, 1));
  const title = dimension === 'country' ? 'countries' : 'clients';
  return (
    `<div class="chart"><svg class="share-stacks ${dimension}" role="img" aria-label="shares of ${title} per month" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}</svg></div>` +
    legend(legendEntries)
  );
}

/** One month's shares as one horizontal bar, with a legend giving each part's share. */
export function shareBar(title: string, dimension: Dimension, m: MonthReport, keys: readonly string[], styles: CategoryStyles): string {
  const total = m.unique.count;
  if (total === null || total === 0) return '';
  const parts = partsOf(m, dimension, keys, styles);
  const width = 600;
  let x = 0;
  const rects = parts
    .map((p) => {
      const w = (p.n / total) * width;
      const r = `<rect class="share" x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="24" fill="${CategoryStyles.fill(p.look)}" stroke="#fff" stroke-width=".5"><title>${escapeHtml(p.name)}: ${percentText(p.n, total)}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  const legendHtml = parts.map((p) => legendEntry(p.look, `${p.name} ${percentText(p.n, total)}`)).join('');
  return (
    `<h4>${escapeHtml(title)}</h4><svg class="share-chart" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg" width="100%" height="24" viewBox="0 0 ${width} 24" preserveAspectRatio="none" style="max-width:${width}px;display:block">${rects}</svg>` +
    `<div class="legend">${legendHtml}</div>`
  );
}
