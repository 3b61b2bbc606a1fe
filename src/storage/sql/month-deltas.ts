/** Small map helpers for collecting a batch's per-host, per-month changes. */

export function sortedKeys<K extends string, V>(m: Map<K, V>): K[] {
  return [...m.keys()].sort();
}

export function addTo(m: Map<string, Set<string>>, host: string, month: string): void {
  let s = m.get(host);
  if (s === undefined) m.set(host, (s = new Set()));
  s.add(month);
}

export function monthDelta(deltas: Map<string, Map<string, Map<string, number>>>, host: string, month: string): Map<string, number> {
  let byMonth = deltas.get(host);
  if (byMonth === undefined) deltas.set(host, (byMonth = new Map()));
  let d = byMonth.get(month);
  if (d === undefined) byMonth.set(month, (d = new Map()));
  return d;
}
