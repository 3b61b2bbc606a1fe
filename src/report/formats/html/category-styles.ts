/**
 * One look per category across the whole report: France has the same colour and pattern in every
 * month, chart and host. A look is a colour and a pattern (solid, stripes, dots, cross-hatch), so
 * neighbouring categories differ in more than colour and the charts read without colour vision;
 * every segment also carries its name (legend, tooltip, label).
 */
import type { Dimension, Report } from '../../report-model.js';
import { escapeHtml } from './svg-text.js';

// Tableau 10: distinct for the common forms of colour blindness, and each dark enough for white marks.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const PATTERNS = ['solid', 'stripes', 'dots', 'cross'] as const;

/** Looks not tied to a category's rank. */
export const OTHER = { id: 'mv-other', colour: '#8c8c8c', pattern: 'stripes' } as const;
export const UNKNOWN = { id: 'mv-unknown', colour: '#c7c7c7', pattern: 'cross' } as const;
export const HIDDEN = { id: 'mv-hidden', colour: '#e3e3e3', pattern: 'dots' } as const;

export interface Look {
  readonly id: string;
  readonly colour: string;
  readonly pattern: (typeof PATTERNS)[number];
}

export class CategoryStyles {
  private readonly looks = new Map<string, Look>();

  /**
   * Ranks every category of `dimensions` by its visitors over the whole report (shown figures only:
   * a hidden count must not decide anything visible), and gives the n-th the n-th look.
   */
  constructor(report: Report, dimensions: readonly Dimension[]) {
    for (const dimension of dimensions) {
      const totals = new Map<string, number>();
      for (const h of report.hosts) {
        for (const m of h.months) {
          for (const c of m.cells[dimension]) if (c.key !== '?') totals.set(c.key, (totals.get(c.key) ?? 0) + (c.count ?? 0));
        }
      }
      const ranked = [...totals].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
      ranked.forEach(([key], i) => {
        this.looks.set(`${dimension}:${key}`, { id: `mv-${dimension}-${i}`, colour: PALETTE[i % PALETTE.length]!, pattern: PATTERNS[i % PATTERNS.length]! });
      });
    }
  }

  of(dimension: Dimension, key: string): Look {
    if (key === '?') return UNKNOWN;
    return this.looks.get(`${dimension}:${key}`) ?? OTHER;
  }

  /** The fill of a look: its pattern's id (defined once by `defs`). */
  static fill(look: Look): string {
    return `url(#${look.id})`;
  }

  /** `<pattern>` definitions of every look, for one hidden `<svg>` at the top of the page. */
  defs(): string {
    return [...this.looks.values(), OTHER, UNKNOWN, HIDDEN].map(patternOf).join('');
  }
}

function patternOf(look: Look): string {
  const marks: Record<Look['pattern'], string> = {
    solid: '',
    stripes: '<path d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2" stroke="#fff" stroke-opacity=".7" stroke-width="1.6"/>',
    dots: '<circle cx="2" cy="2" r="1.2" fill="#fff" fill-opacity=".8"/><circle cx="6" cy="6" r="1.2" fill="#fff" fill-opacity=".8"/>',
    cross: '<path d="M0,4 h8 M4,0 v8" stroke="#fff" stroke-opacity=".7" stroke-width="1.2"/>',
  };
  return (
    `<pattern id="${escapeHtml(look.id)}" patternUnits="userSpaceOnUse" width="8" height="8">` +
    `<rect width="8" height="8" fill="${look.colour}"/>${marks[look.pattern]}</pattern>`
  );
}

/** A legend entry: a swatch in the look, and the name. */
export function legendEntry(look: Look, name: string): string {
  return `<span class="key"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="${CategoryStyles.fill(look)}" stroke="#666" stroke-width=".5"/></svg>${escapeHtml(name)}</span>`;
}
