/**
 * The report as every output format sees it: per host and month the unique visitors, the four
 * breakdowns and the change from the month before, with `--min-count` already applied. A hidden
 * figure has `count: null`; formats never see the number behind it.
 */
import type { HostRecord } from '../storage/records.js';
import { recordLayout, type Layout } from '../core/month-layout.js';
import { monthCounters, splitGeoKey, subdivisionKey, UNKNOWN, type MonthCounters } from './counters.js';
import { suppressBelow, type Hidden, type SuppressionNode } from './min-count.js';
import { previousMonth } from './months.js';
import type { PlaceNames } from './place-names.js';

export type { Hidden } from './min-count.js';

export interface Figure {
  /** null when hidden by --min-count */
  readonly count: number | null;
  readonly hidden: Hidden | null;
}

export interface Cell extends Figure {
  /** The code as stored: `DE`, `DE-HE`, `DE-HE-2925533`, `IOS`; `?` parts are unknown. */
  readonly key: string;
  /** A readable name: `Germany`, `Hesse, Germany`, `Frankfurt am Main (DE-HE)`, `IOS`. */
  readonly name: string;
}

export interface Change {
  readonly previousMonth: string;
  readonly previous: number;
  readonly delta: number;
  /** null when the previous month had 0 visitors */
  readonly percent: number | null;
}

export const DIMENSIONS = ['country', 'subdivision', 'city', 'client'] as const;
/** The ISP fork's layout adds one (docs/fork-isp.md). */
export const FORK_DIMENSIONS = [...DIMENSIONS, 'isp'] as const;
export type Dimension = (typeof FORK_DIMENSIONS)[number];

export interface MonthReport {
  readonly month: string;
  readonly unique: Figure;
  /** From the calendar month before; null when that month has no record or either total is hidden. */
  readonly change: Change | null;
  readonly cells: Readonly<Record<Dimension, readonly Cell[]>>;
}

export interface HostReport {
  readonly host: string;
  /** The layout of the host's record: the ISP fork's has the `isp` dimension. */
  readonly layout: Layout;
  readonly months: readonly MonthReport[];
}

export interface Report {
  /** --min-count, or null */
  readonly minCount: number | null;
  readonly hosts: readonly HostReport[];
}

export interface MonthRange {
  readonly from?: string;
  readonly to?: string;
}

interface Node extends SuppressionNode {
  readonly key: string;
}

type MonthNodes = { unique: Node; cells: Record<Dimension, Map<string, Node>> };

/** The dimensions a host's report has. */
export function dimensionsOf(h: Pick<HostReport, 'layout'>): readonly Dimension[] {
  return h.layout === 'fork-isp' ? FORK_DIMENSIONS : DIMENSIONS;
}

/** The dimensions of any host of a report. */
export function reportDimensions(r: Report): readonly Dimension[] {
  return r.hosts.some((h) => h.layout === 'fork-isp') ? FORK_DIMENSIONS : DIMENSIONS;
}

const node = (key: string, count: number): Node => ({ key, count, hidden: null, groups: [] });

function addPart(parent: Node | undefined, groupIndex: number, part: Node): void {
  if (parent === undefined) return;
  (parent.groups[groupIndex] ??= []).push(part);
  part.parent = parent;
}

/** Builds one month's tree of sums (see min-count.ts) and hides what --min-count says. */
function monthNodes(c: MonthCounters, minCount: number): MonthNodes {
  const toNodes = (m: Map<string, number>) => new Map([...m].map(([k, n]) => [k, node(k, n)]));
  const cells = { country: toNodes(c.countries), subdivision: toNodes(c.subdivisions), city: toNodes(c.cities), client: toNodes(c.clients), isp: toNodes(c.isps) };
  const unique = node('', c.unique);
  unique.groups.push([], [], []);
  for (const n of cells.client.values()) addPart(unique, 0, n);
  for (const n of cells.country.values()) addPart(unique, 1, n);
  // The fork's ISPs are one more partition of the unique visitors, like the clients.
  for (const n of cells.isp.values()) addPart(unique, 2, n);
  for (const n of cells.subdivision.values()) addPart(cells.country.get(splitGeoKey(`${n.key}-?`).country), 0, n);
  for (const n of cells.city.values()) addPart(cells.subdivision.get(subdivisionKey(splitGeoKey(n.key))), 0, n);
  suppressBelow(minCount, unique, [unique, ...FORK_DIMENSIONS.flatMap((d) => [...cells[d].values()])]);
  return { unique, cells };
}

const published = (n: Node): Figure => (n.hidden === null ? { count: n.count, hidden: null } : { count: null, hidden: n.hidden });

/**
 * Shown figures first, largest first; hidden ones after them by key (ordering them by their true
 * counts would leak their ranks).
 */
function byPublishedCount(a: Cell, b: Cell): number {
  if (a.count !== null && b.count !== null && a.count !== b.count) return b.count - a.count;
  if ((a.count === null) !== (b.count === null)) return a.count === null ? 1 : -1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** A readable name of an ISP key: its organisation from the ASN database, if known. */
export type IspNames = (key: string) => string;

function nameOf(dimension: Dimension, key: string, names: PlaceNames, isps: IspNames): string {
  switch (dimension) {
    case 'isp':
      return isps(key);
    case 'country':
      return names.country(key);
    case 'subdivision':
      return names.subdivision(splitGeoKey(`${key}-?`));
    case 'city':
      return names.city(splitGeoKey(key));
    case 'client':
      return names.client(key);
  }
}

function change(month: string, unique: Figure, all: Map<string, MonthNodes>): Change | null {
  const prev = previousMonth(month);
  const before = prev === undefined ? undefined : all.get(prev);
  if (before === undefined || before.unique.hidden !== null || unique.count === null) return null;
  const previous = before.unique.count;
  const delta = unique.count - previous;
  return { previousMonth: prev!, previous, delta, percent: previous === 0 ? null : Math.round((delta / previous) * 1000) / 10 };
}

export const UNKNOWN_ISP_NAME = 'unknown ISP';
const ispKey: IspNames = (key) => (key === UNKNOWN ? UNKNOWN_ISP_NAME : key);

export function hostReport(host: string, record: HostRecord, range: MonthRange, minCount: number, names: PlaceNames, isps: IspNames = ispKey): HostReport {
  // Every month is suppressed, in range or not: the change of the first shown month needs the one before.
  const all = new Map<string, MonthNodes>();
  for (const [month, counts] of record) all.set(month, monthNodes(monthCounters(counts), minCount));
  const months: MonthReport[] = [];
  for (const month of [...all.keys()].sort()) {
    if ((range.from !== undefined && month < range.from) || (range.to !== undefined && month > range.to)) continue;
    const m = all.get(month)!;
    const unique = published(m.unique);
    const cells = Object.fromEntries(
      FORK_DIMENSIONS.map((d) => [d, [...m.cells[d].values()].filter((n) => !n.unlisted).map((n): Cell => ({ key: n.key, name: nameOf(d, n.key, names, isps), ...published(n) })).sort(byPublishedCount)]),
    ) as Record<Dimension, Cell[]>;
    months.push({ month, unique, change: change(month, unique, all), cells });
  }
  return { host, layout: recordLayout(record) ?? 'module', months };
}

/** The AS numbers a set of host records mentions (to load only their organisations' names). */
export function asNumbersIn(records: Iterable<HostRecord>): Set<number> {
  const out = new Set<number>();
  for (const record of records) {
    for (const counts of record.values()) for (const key of monthCounters(counts).isps.keys()) if (/^AS\d+$/.test(key)) out.add(Number(key.slice(2)));
  }
  return out;
}

/** The geoname ids and `CC-SUB` keys a set of host records mentions (to load only their names). */
export function placesIn(records: Iterable<HostRecord>): { cities: Set<string>; subdivisions: Set<string> } {
  // Unknown parts (`?`) have no name to look for.
  const cities = new Set<string>();
  const subdivisions = new Set<string>();
  for (const record of records) {
    for (const counts of record.values()) {
      const c = monthCounters(counts);
      for (const key of c.cities.keys()) {
        const city = splitGeoKey(key).city;
        if (city !== UNKNOWN) cities.add(city);
      }
      for (const key of c.subdivisions.keys()) if (!key.endsWith(`-${UNKNOWN}`)) subdivisions.add(key);
    }
  }
  return { cities, subdivisions };
}
