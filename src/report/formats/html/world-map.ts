/**
 * A choropleth of one month's unique visitors by country. The shapes were projected at build time
 * (scripts/build-world-map.mjs: Natural Earth 1:110m, Equal Earth) and are defined once per page;
 * each map only fills them. Five classes of a sequential blue scale, light to dark, so the classes
 * differ in lightness and read without colour vision; a country --min-count hides is drawn in the
 * "hidden" look, never in a class. Countries too small for the 1:110m shapes are named under the
 * map, and the table beside it lists every country of the month.
 */
import { figureText } from '../../figure-text.js';
import type { Cell, HostReport, MonthReport } from '../../report-model.js';
import { COUNTRY_SHAPES, MAP_HEIGHT, MAP_WIDTH, SPHERE } from '../../world-map/country-shapes.generated.js';
import { CategoryStyles, HIDDEN, legendEntry } from './category-styles.js';
import { escapeHtml } from './svg-text.js';

const CLASSES = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
const NONE = '#f2f2f2';

/** Path definitions of every country, for the page's hidden `<svg>` (once, however many maps). */
export function countryShapeDefs(): string {
  return [...COUNTRY_SHAPES].map(([code, d]) => `<path id="mv-cc-${code}" d="${d}"/>`).join('');
}

/** The month a host's map shows: `wanted` when the host has it, else its latest month shown. */
export function mapMonth(h: HostReport, wanted: string | undefined): MonthReport | undefined {
  return (wanted === undefined ? undefined : h.months.find((m) => m.month === wanted)) ?? h.months.at(-1);
}

/** Upper bounds of the classes for counts up to `max`: at most five, none empty of meaning. */
function classBounds(max: number): number[] {
  const n = Math.min(CLASSES.length, max);
  return Array.from({ length: n }, (_, i) => Math.ceil((max * (i + 1)) / n));
}

/** The colours of `n` classes: the darker end of the scale, so even one class stands out from the land. */
const classColours = (n: number) => CLASSES.slice(CLASSES.length - n);

export function worldMap(m: MonthReport, minCount: number | null): string {
  const countries = m.cells.country.filter((c) => c.key !== '?');
  const max = Math.max(0, ...countries.map((c) => c.count ?? 0));
  const bounds = classBounds(max);
  const colours = classColours(bounds.length);
  const classOf = (n: number) => bounds.findIndex((b) => n <= b);
  const byCode = new Map<string, Cell>(countries.map((c) => [c.key, c]));
  const shapes = [...COUNTRY_SHAPES.keys()]
    .map((code) => {
      const c = byCode.get(code);
      const fill = c === undefined ? NONE : c.count === null ? CategoryStyles.fill(HIDDEN) : colours[classOf(c.count)]!;
      const title = c === undefined ? '' : `<title>${escapeHtml(c.name)}: ${escapeHtml(figureText(c, minCount))}</title>`;
      return `<use href="#mv-cc-${code}" class="country${c === undefined ? '' : ' counted'}" fill="${fill}" stroke="#fff" stroke-width=".5">${title}</use>`;
    })
    .join('');
  const offMap = countries.filter((c) => !COUNTRY_SHAPES.has(c.key));
  const legend = [
    ...bounds.map((b, i) => {
      const low = i === 0 ? 1 : bounds[i - 1]! + 1;
      return `<span class="key"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="${colours[i]}" stroke="#666" stroke-width=".5"/></svg>${low === b ? b : `${low}–${b}`}</span>`;
    }),
    countries.some((c) => c.count === null) ? legendEntry(HIDDEN, 'hidden') : '',
  ].join('');
  const table = countries.length === 0 ? '' : `<table class="cells map-countries"><caption>by country, ${escapeHtml(m.month)}</caption><tr><th>country</th><th>visitors</th></tr>${countries.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td class="n">${escapeHtml(figureText(c, minCount))}</td></tr>`).join('')}</table>`;
  return (
    `<div class="map-row"><div class="map"><svg class="world-map" role="img" aria-label="unique visitors by country, ${escapeHtml(m.month)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}">` +
    `<path class="sphere" d="${SPHERE}" fill="#f7fbff" stroke="#ccc"/>${shapes}</svg>` +
    `<div class="legend">${legend}</div>` +
    (offMap.length === 0 ? '' : `<p class="note">Too small for this map: ${offMap.map((c) => `${escapeHtml(c.name)} ${escapeHtml(figureText(c, minCount))}`).join(', ')}.</p>`) +
    `</div>${table}</div>`
  );
}
