/**
 * `--min-count k`: cell suppression for published figures (k-anonymity).
 *
 * The figures of one month form a tree of sums: the unique visitors are the sum of the client
 * categories and also of the countries; a country is the sum of its subdivisions, a subdivision
 * of its cities. (Months and hosts are never summed in the output, so each host-month is its own
 * table.)
 *
 * - Primary suppression: a count below k is hidden and shown as `<k`. A reader then knows it is
 *   between 1 and k − 1 (a key exists only for someone counted).
 * - The parts of a figure below k are not listed at all: they are all below k too, and how many
 *   there are (each at least 1) would bound the figure (two cities under a `<3` subdivision make it 2).
 * - Complementary suppression: a reader who knows this rule also knows that any other hidden figure
 *   is at least k. With the sums above, the published figures may still pin a hidden one down to a
 *   single value (one hidden cell among shown siblings is the total minus the others; two `<3`
 *   cells adding up to 4 are both 2). For each hidden figure we compute the exact range of values
 *   consistent with everything published — interval propagation, which is exact on a tree of sums —
 *   and while some hidden figure is pinned to one value that its marker alone does not give, one
 *   more figure near it is hidden (see `repairCandidate`). Hidden that way, a figure is shown as
 *   `hidden`.
 *
 * Guarantee: no hidden count can be worked out exactly from the published figures of its month
 * (beyond what `<k` itself says: with k = 2, `<2` means 1). Ranges narrower than the marker's can
 * remain (e.g. "at least 2 of <5"); this is the usual cell-suppression standard, not more.
 */

export type Hidden = 'below-min-count' | 'complementary';

export interface SuppressionNode {
  readonly count: number;
  hidden: Hidden | null;
  /** Not published at all: a part of a figure below k (see `suppressBelow`). */
  unlisted?: boolean;
  /** Groups of figures that each add up to this one (the total has two: clients and countries). */
  readonly groups: SuppressionNode[][];
  parent?: SuppressionNode;
}

type Range = readonly [lo: number, hi: number];

/** What a reader knows of a figure from its own cell. */
function markerRange(n: SuppressionNode, k: number): Range {
  if (n.hidden === null) return [n.count, n.count];
  return n.hidden === 'below-min-count' ? [1, k - 1] : [k, Infinity];
}

const intersect = (a: Range, b: Range): Range => [Math.max(a[0], b[0]), Math.min(a[1], b[1])];

/** The parts of a figure that are published: none for a figure below k. */
const listedGroups = (n: SuppressionNode): SuppressionNode[][] => n.groups.filter((g) => g.length > 0 && !g[0]!.unlisted);

function unlist(n: SuppressionNode): void {
  n.unlisted = true;
  n.groups.flat().forEach(unlist);
}

/** The exact range of every figure given all published ones (two passes over the tree). */
function feasibleRanges(root: SuppressionNode, k: number): Map<SuppressionNode, Range> {
  const down = new Map<SuppressionNode, Range>();
  const up = (n: SuppressionNode): Range => {
    let r = markerRange(n, k);
    for (const g of listedGroups(n)) {
      let lo = 0;
      let hi = 0;
      for (const c of g) {
        const cr = up(c);
        lo += cr[0];
        hi += cr[1];
      }
      if (g.length > 0) r = intersect(r, [lo, hi]);
    }
    down.set(n, r);
    return r;
  };
  up(root);
  const full = new Map<SuppressionNode, Range>([[root, down.get(root)!]]);
  const visit = (p: SuppressionNode) => {
    const pr = full.get(p)!;
    for (const g of listedGroups(p)) {
      // c = p − (the others). Upper bounds may be infinite: count those instead of subtracting ∞ − ∞.
      let lo = 0;
      let finiteHi = 0;
      let infiniteHi = 0;
      for (const c of g) {
        const [cLo, cHi] = down.get(c)!;
        lo += cLo;
        if (cHi === Infinity) infiniteHi++;
        else finiteHi += cHi;
      }
      for (const c of g) {
        const cr = down.get(c)!;
        const othersLo = lo - cr[0];
        const othersHi = infiniteHi - (cr[1] === Infinity ? 1 : 0) > 0 ? Infinity : finiteHi - (cr[1] === Infinity ? 0 : cr[1]);
        full.set(c, intersect(cr, [pr[0] - othersHi, pr[1] - othersLo]));
        visit(c);
      }
    }
  };
  visit(root);
  return full;
}

function isPinned(n: SuppressionNode, r: Range, k: number): boolean {
  const marker = markerRange(n, k);
  return n.hidden !== null && r[0] === r[1] && marker[0] !== marker[1];
}

function smallestShown(nodes: Iterable<SuppressionNode>): SuppressionNode | undefined {
  let best: SuppressionNode | undefined;
  for (const n of nodes) if (n.hidden === null && (best === undefined || n.count < best.count)) best = n;
  return best;
}

/** The shown figures directly below hidden ones in the tree under the hidden figure `n`: they bound it. */
function shownUnderHidden(n: SuppressionNode): SuppressionNode[] {
  return n.groups.flat().flatMap((c) => (c.hidden === null ? [c] : shownUnderHidden(c)));
}

/**
 * The next figure to hide when `r` is pinned: the smallest shown one among, in this order, parts
 * of r that all show (r is their sum), r's siblings (r is the parent minus them), the shown figures
 * under hidden siblings (they bound the sibling, and so r), r's other parts, r's parent; finally the
 * smallest shown figure of the month, so the loop always ends.
 */
function repairCandidate(r: SuppressionNode, all: readonly SuppressionNode[]): SuppressionNode | undefined {
  const siblings = r.parent === undefined ? [] : r.parent.groups.find((g) => g.includes(r))!.filter((s) => s !== r);
  const tries: Array<() => SuppressionNode | undefined> = [
    () => smallestShown(r.groups.find((g) => g.length > 0 && g.every((c) => c.hidden === null)) ?? []),
    () => smallestShown(siblings),
    () => smallestShown(siblings.filter((s) => s.hidden !== null).flatMap(shownUnderHidden)),
    () => smallestShown(r.groups.flat()),
    () => (r.parent?.hidden === null ? r.parent : undefined),
    () => smallestShown(all),
  ];
  for (const t of tries) {
    const c = t();
    if (c !== undefined) return c;
  }
  return undefined;
}

/**
 * Marks the hidden and the unlisted figures of one month's tree in place (`everything` lists every
 * node). k ≤ 1 hides nothing. Ends: each round hides or unlists at least one more figure.
 */
export function suppressBelow(k: number, root: SuppressionNode, everything: readonly SuppressionNode[]): void {
  for (const n of everything) {
    n.hidden = k > 1 && n.count < k ? 'below-min-count' : null;
    n.unlisted = false;
  }
  if (k <= 1) return;
  for (const n of everything) if (n.hidden === 'below-min-count') n.groups.flat().forEach(unlist);
  for (;;) {
    const all = everything.filter((n) => !n.unlisted);
    const ranges = feasibleRanges(root, k);
    const pinned = all.filter((n) => isPinned(n, ranges.get(n)!, k));
    if (pinned.length === 0) return;
    // One repair per sum and round: pinned figures of different sums are repaired together (a big
    // month has thousands), those of one sum one at a time, since one repair often frees them all.
    const repaired = new Set<SuppressionNode | undefined>();
    for (const p of pinned) {
      if (repaired.has(p.parent) || repaired.has(p)) continue;
      const victim = repairCandidate(p, all);
      if (victim === undefined) break;
      victim.hidden = 'complementary';
      repaired.add(p.parent).add(p).add(victim).add(victim.parent);
    }
    if (repaired.size > 0) continue;
    // Everything listed is hidden and the markers alone still pin a figure (e.g. a hidden total
    // ≥ 3 whose two countries are each <3 must be 4 or less): stop listing a breakdown of it, or
    // the breakdown it is part of.
    const p = pinned[0]!;
    const own = listedGroups(p);
    const group = own.length > 0 ? own[own.length - 1]! : p.parent?.groups.find((g) => g.includes(p));
    if (group === undefined) return; // cannot happen: a figure with no listed sum has its marker's range
    group.forEach(unlist);
  }
}
