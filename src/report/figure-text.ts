/** How a figure is written in the text formats (table, csv, html). */
import type { Figure } from './report-model.js';

export const COMPLEMENTARY_MARK = 'hidden';

/** `12`, `<5` (below --min-count) or `hidden` (hidden so that a `<5` cannot be worked out). */
export function figureText(f: Figure, minCount: number | null): string {
  if (f.count !== null) return String(f.count);
  return f.hidden === 'below-min-count' ? `<${minCount}` : COMPLEMENTARY_MARK;
}

/** `+2 (+40%)`, `-1 (-12.5%)`, `+3` when the month before had 0. */
export function changeText(delta: number, percent: number | null): string {
  const sign = (n: number) => (n > 0 ? `+${n}` : String(n));
  return percent === null ? sign(delta) : `${sign(delta)} (${sign(percent)}%)`;
}
