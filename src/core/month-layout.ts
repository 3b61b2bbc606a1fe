import { StoreFormatError } from '../errors.js';

/**
 * The two layouts a month of the host record can have, both held by the same type (a map of
 * counter paths to counts, `HostRecord`):
 *
 * - the module's: flat keys `client-<CATEGORY>` and `geo-<CC-SUB-CITY>`;
 * - the ISP fork's (docs/fork-isp.md): per geo key `CC-SUB-CITY` a nested table
 *   `{ users_seen = n, clients_seen = { [CATEGORY] = n }, isps_seen = { ["AS<n>"] = n } }`, held as
 *   paths joined by PATH_SEP: `<geo>\0users_seen`, `<geo>\0clients_seen\0<CATEGORY>`,
 *   `<geo>\0isps_seen\0<ISP>`. Storage nests and flattens them; everything else sees counters.
 */
export type Layout = 'module' | 'fork-isp';

/** Joins the parts of a fork counter's path (never in a geo key, category or ISP the fork writes). */
export const PATH_SEP = '\u0000';

export const USERS_SEEN = 'users_seen';
export const CLIENTS_SEEN = 'clients_seen';
export const ISPS_SEEN = 'isps_seen';

/** The ISP of a login the ASN database says nothing usable about (the fork's `?`). */
export const UNKNOWN_ISP = '?';

/** The three counters one recorded login of the fork increments. */
export function forkCounterKeys(geo: string, category: string, isp: string): [string, string, string] {
  return [
    `${geo}${PATH_SEP}${USERS_SEEN}`,
    `${geo}${PATH_SEP}${CLIENTS_SEEN}${PATH_SEP}${category}`,
    `${geo}${PATH_SEP}${ISPS_SEEN}${PATH_SEP}${isp}`,
  ];
}

/** A fork counter's path, or null for a key of the module's flat layout. */
export function forkPath(key: string): { geo: string; field: string; name: string | null } | null {
  const i = key.indexOf(PATH_SEP);
  if (i < 0) return null;
  const j = key.indexOf(PATH_SEP, i + 1);
  return j < 0
    ? { geo: key.slice(0, i), field: key.slice(i + 1), name: null }
    : { geo: key.slice(0, i), field: key.slice(i + 1, j), name: key.slice(j + 1) };
}

/** The layout of a month's counters; null for an empty month (either). */
export function monthLayout(counts: ReadonlyMap<string, number>): Layout | null {
  for (const key of counts.keys()) return key.includes(PATH_SEP) ? 'fork-isp' : 'module';
  return null;
}

/** The first month of a record in another layout than `layout`, if any. */
export function monthInOtherLayout(record: ReadonlyMap<string, ReadonlyMap<string, number>>, layout: Layout): string | undefined {
  for (const [month, counts] of record) {
    const l = monthLayout(counts);
    if (l !== null && l !== layout) return month;
  }
  return undefined;
}

/** Unique visitors of a month: the sum of the client counts (module) or of users_seen (fork). */
export function monthVisitors(counts: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const [key, count] of counts) {
    // As forkPath, without its slices: a fork key counts when its path is exactly `<geo>\0users_seen`.
    const sep = key.indexOf(PATH_SEP);
    if (sep < 0 ? key.startsWith('client-') : sep === key.length - 1 - USERS_SEEN.length && key.endsWith(USERS_SEEN)) n += count;
  }
  return n;
}

export function layoutName(layout: Layout): string {
  return layout === 'module' ? "the module's layout" : "the ISP fork's layout";
}

/** The layout of a record's months; null when it has none with counts. */
export function recordLayout(record: ReadonlyMap<string, ReadonlyMap<string, number>>): Layout | null {
  for (const counts of record.values()) {
    const l = monthLayout(counts);
    if (l !== null) return l;
  }
  return null;
}

/** A stored record (at `where`) with a month of another layout than the run's is a StoreFormatError naming the month. */
export function checkRunLayout(record: ReadonlyMap<string, ReadonlyMap<string, number>>, layout: Layout, where: string): void {
  const month = monthInOtherLayout(record, layout);
  if (month === undefined) return;
  const other: Layout = layout === 'module' ? 'fork-isp' : 'module';
  throw new StoreFormatError(`${where}: month ${JSON.stringify(month)} is in ${layoutName(other)}, but this run counts in ${layoutName(layout)} (--layout): one store holds one layout`);
}
