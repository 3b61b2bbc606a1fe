/**
 * Can one resource match two Lua patterns? Decided exactly for the patterns that are regular:
 * single-character classes with any quantifier, `^`, `$` and captures (Lua's matcher backtracks
 * through every repetition count, so "some match exists" is membership in a regular language).
 * Such a pattern becomes an automaton over bytes, and a breadth-first search of the product of
 * two automata either finds a string both match (a witness, shortest first) or proves there is
 * none. Patterns with `%b`, `%f` or back-references (`%1`) are not regular: for them the answer
 * is "unknown", never a guess.
 */

import { ItemKind, parsePattern } from './compile.js';
import { encodeUtf8 } from './utf8.js';

export type Overlap =
  | { readonly kind: 'overlap'; readonly witness: Uint8Array }
  | { readonly kind: 'disjoint' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** One byte-set step of the automaton; `repeat` = zero or more (`*`, `-`), `optional` = `?`. */
interface Step {
  readonly set: Uint8Array;
  readonly repeat: boolean;
  readonly optional: boolean;
}

const ANY = new Uint8Array(256).fill(1);
const ANYTHING: Step = { set: ANY, repeat: true, optional: true };

/** The pattern as a list of steps: unanchored ends become "any bytes", `+` becomes one then `*`. */
function stepsOf(source: string | Uint8Array): Step[] | string {
  const prog = parsePattern(typeof source === 'string' ? encodeUtf8(source) : source);
  const steps: Step[] = prog.anchor ? [] : [ANYTHING];
  let anchoredEnd = false;
  for (let i = 0; i < prog.kinds.length; i++) {
    switch (prog.kinds[i]) {
      case ItemKind.Single: {
        const set = prog.tables[i]!;
        const q = prog.quants[i];
        if (q === 0x2b /* + */) steps.push({ set, repeat: false, optional: false }, { set, repeat: true, optional: true });
        else if (q === 0x2a /* * */ || q === 0x2d /* - */) steps.push({ set, repeat: true, optional: true });
        else steps.push({ set, repeat: false, optional: q === 0x3f /* ? */ });
        break;
      }
      case ItemKind.Open:
      case ItemKind.Close:
        break; // captures do not change what matches
      case ItemKind.EndAnchor:
        anchoredEnd = true;
        break;
      case ItemKind.End:
        break;
      case ItemKind.Balance:
        return 'uses %b';
      case ItemKind.Frontier:
        return 'uses %f';
      case ItemKind.BackRef:
        return 'uses a back-reference';
      default:
        return 'is malformed';
    }
  }
  if (!anchoredEnd) steps.push(ANYTHING);
  return steps;
}

// Witness bytes are picked readable first: letters, digits, punctuation, then the rest.
const BYTE_ORDER: number[] = (() => {
  const order: number[] = [];
  const add = (from: number, to: number) => {
    for (let b = from; b <= to; b++) if (!order.includes(b)) order.push(b);
  };
  add(0x61, 0x7a);
  add(0x41, 0x5a);
  add(0x30, 0x39);
  add(0x21, 0x7e);
  add(0x20, 0x20);
  add(0x80, 0xff);
  add(0x00, 0x1f);
  add(0x7f, 0x7f);
  return order;
})();

function commonByte(a: Uint8Array, b: Uint8Array): number {
  for (const byte of BYTE_ORDER) if (a[byte] === 1 && b[byte] === 1) return byte;
  return -1;
}

/** Whether some subject matches both patterns (`string.match(s, a) and string.match(s, b)`). */
export function patternOverlap(a: string | Uint8Array, b: string | Uint8Array): Overlap {
  const sa = stepsOf(a);
  const sb = stepsOf(b);
  if (typeof sa === 'string') return { kind: 'unknown', reason: `${show(a)} ${sa}` };
  if (typeof sb === 'string') return { kind: 'unknown', reason: `${show(b)} ${sb}` };
  const width = sb.length + 1;
  const parent = new Int32Array((sa.length + 1) * width).fill(-2);
  const viaByte = new Int16Array(parent.length).fill(-1);
  const queue: number[] = [0];
  parent[0] = -1;
  const visit = (from: number, i: number, j: number, byte: number) => {
    const id = i * width + j;
    if (parent[id] !== -2) return;
    parent[id] = from;
    viaByte[id] = byte;
    queue.push(id);
  };
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    const i = Math.floor(id / width);
    const j = id % width;
    if (i === sa.length && j === sb.length) return { kind: 'overlap', witness: pathTo(id, parent, viaByte) };
    const x = sa[i];
    const y = sb[j];
    // Skipping an optional step consumes nothing.
    if (x?.optional) visit(id, i + 1, j, -1);
    if (y?.optional) visit(id, i, j + 1, -1);
    if (x && y) {
      const byte = commonByte(x.set, y.set);
      if (byte >= 0) visit(id, x.repeat ? i : i + 1, y.repeat ? j : j + 1, byte);
    }
  }
  return { kind: 'disjoint' };
}

function pathTo(id: number, parent: Int32Array, viaByte: Int16Array): Uint8Array {
  const bytes: number[] = [];
  for (let at = id; parent[at]! >= 0; at = parent[at]!) if (viaByte[at]! >= 0) bytes.push(viaByte[at]!);
  return Uint8Array.from(bytes.reverse());
}

function show(pattern: string | Uint8Array): string {
  return JSON.stringify(typeof pattern === 'string' ? pattern : Buffer.from(pattern).toString('latin1'));
}
