/**
 * An independent check of --min-count: brute force over every assignment of the leaves (client
 * categories and cities) that agrees with the published figures, to list the values each hidden
 * figure can take. It knows only the published month and the rule's markers: `<k` is 1..k−1,
 * `hidden` is ≥ k (capped at `cap`, enough to show a second value).
 */
import type { Cell, MonthReport } from '../../src/report/report-model.js';

type Domain = number[];

function domain(cell: { count: number | null; hidden: string | null }, k: number, cap: number): Domain {
  if (cell.count !== null) return [cell.count];
  const [lo, hi] = cell.hidden === 'below-min-count' ? [1, k - 1] : [k, cap];
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

function fits(value: number, cell: { count: number | null; hidden: string | null }, k: number): boolean {
  if (cell.count !== null) return value === cell.count;
  return cell.hidden === 'below-min-count' ? value >= 1 && value <= k - 1 : value >= k;
}

function* product(domains: Domain[]): Generator<number[]> {
  const idx = domains.map(() => 0);
  if (domains.some((d) => d.length === 0)) return;
  for (;;) {
    yield idx.map((i, j) => domains[j]![i]!);
    let j = 0;
    while (j < idx.length && ++idx[j]! === domains[j]!.length) idx[j++] = 0;
    if (j === idx.length) return;
  }
}

/** For each hidden figure (`unique`, `client:IOS`, `country:DE`, …), the values it can take. */
export function possibleValues(m: MonthReport, k: number, cap: number): Map<string, Set<number>> {
  const clients = m.cells.client;
  // Client side: the total each assignment gives, and the hidden clients' values with it.
  const clientRuns: Array<{ total: number; values: Map<string, number> }> = [];
  for (const vals of product(clients.map((c) => domain(c, k, cap)))) {
    const values = new Map<string, number>();
    clients.forEach((c, i) => c.count === null && values.set(`client:${c.key}`, vals[i]!));
    const total = vals.reduce((s, v) => s + v, 0);
    if (clients.length === 0 || fits(total, m.unique, k)) clientRuns.push({ total, values });
  }
  // Geo side: the leaves are the listed cells without listed parts (the parts of a figure below k
  // are not listed); every listed figure above them is the sum of its listed parts.
  const geoRuns: Array<{ total: number; values: Map<string, number> }> = [];
  const countries = m.cells.country.map((c) => ({ id: `country:${c.key}`, cell: c, parts: [] as Array<{ id: string; cell: Cell; parts: unknown[] }> }));
  type GeoNode = { id: string; cell: Cell; parts: GeoNode[] };
  const nodes = new Map<string, GeoNode>(countries.map((n) => [n.cell.key, n as GeoNode]));
  for (const c of m.cells.subdivision) {
    const n: GeoNode = { id: `subdivision:${c.key}`, cell: c, parts: [] };
    nodes.get(c.key.split('-')[0]!)!.parts.push(n);
    nodes.set(c.key, n);
  }
  for (const c of m.cells.city) nodes.get(c.key.split('-').slice(0, -1).join('-'))!.parts.push({ id: `city:${c.key}`, cell: c, parts: [] });
  const leaves: GeoNode[] = [];
  const collect = (n: GeoNode) => (n.parts.length === 0 ? leaves.push(n) : n.parts.forEach(collect));
  (countries as GeoNode[]).forEach(collect);
  for (const vals of product(leaves.map((l) => domain(l.cell, k, cap)))) {
    const leafValue = new Map(leaves.map((l, i) => [l, vals[i]!]));
    const values = new Map<string, number>();
    let ok = true;
    const sum = (n: GeoNode): number => {
      const v = n.parts.length === 0 ? leafValue.get(n)! : n.parts.reduce((s, p) => s + sum(p), 0);
      if (!fits(v, n.cell, k)) ok = false;
      else if (n.cell.count === null) values.set(n.id, v);
      return v;
    };
    const total = (countries as GeoNode[]).reduce((s, n) => s + sum(n), 0);
    if (ok && (m.cells.country.length === 0 || fits(total, m.unique, k))) geoRuns.push({ total, values });
  }
  const out = new Map<string, Set<number>>();
  const note = (key: string, v: number) => (out.get(key) ?? out.set(key, new Set()).get(key)!).add(v);
  // A breakdown that is not listed at all says nothing about the total.
  const any = { has: () => true };
  const geoTotals = m.cells.country.length === 0 ? any : new Set(geoRuns.map((r) => r.total));
  const clientTotals = clients.length === 0 ? any : new Set(clientRuns.map((r) => r.total));
  for (const r of geoRuns) if (clientTotals.has(r.total)) for (const [key, v] of r.values) note(key, v);
  for (const r of clientRuns) if (geoTotals.has(r.total)) for (const [key, v] of r.values) note(key, v);
  if (m.unique.count === null && (clients.length > 0 || m.cells.country.length > 0)) {
    const runs = clients.length > 0 ? clientRuns.filter((r) => geoTotals.has(r.total)) : geoRuns;
    for (const r of runs) note('unique', r.total);
  }
  return out;
}
