/**
 * Witnesses: subjects built from a parsed pattern so that a match attempt gets through its
 * first items. The differential test uses them as subjects that match, and to show that a
 * pattern `compile` rejects really makes Lua raise for some subject.
 */

import { ItemKind, type Program } from '../../src/core/lua-pattern/compile.js';
import type { Rng } from './lua-pattern-gen.js';

const memberCache = new WeakMap<Uint8Array, number[]>();
function members(table: Uint8Array): number[] {
  let list = memberCache.get(table);
  if (!list) {
    list = [];
    for (let c = 0; c < 256; c++) if (table[c] === 1) list.push(c);
    memberCache.set(table, list);
  }
  return list;
}

/**
 * One random attempt at a subject that items [0, upto) of `prog` match right after `lead`
 * (so a match attempt there reaches item `upto`). Returns null when the attempt got stuck.
 * It is only a candidate: callers check with Lua whether it really matches.
 */
export function buildWitness(
  prog: Program,
  upto: number,
  rng: Rng,
  lead: readonly number[] = [],
): Uint8Array | null {
  const out: number[] = [...lead];
  const caps: Array<{ start: number; len: number }> = []; // len -1 unfinished, -2 position
  let pending: Uint8Array | null = null; // frontier set the next byte must belong to
  let mustEnd = false;
  const emit = (b: number): boolean => {
    if (pending && pending[b] !== 1) return false;
    pending = null;
    out.push(b);
    return true;
  };
  for (let i = 0; i < upto; i++) {
    const arg = prog.args[i]!;
    switch (prog.kinds[i]) {
      case ItemKind.Open:
        caps.push({ start: out.length, len: arg === 1 ? -2 : -1 });
        break;
      case ItemKind.Close: {
        const cap = [...caps].reverse().find((c) => c.len === -1);
        if (!cap) return null;
        cap.len = out.length - cap.start;
        break;
      }
      case ItemKind.EndAnchor:
        mustEnd = true;
        break;
      case ItemKind.Balance:
        if (!emit(arg & 0xff) || !emit(arg >> 8)) return null;
        break;
      case ItemKind.Frontier: {
        const set = prog.tables[i]!;
        if (set[out.length > 0 ? out[out.length - 1]! : 0] === 1) return null;
        if (pending) return null; // two frontiers in a row: give up
        pending = set;
        break;
      }
      case ItemKind.BackRef: {
        const cap = caps[arg - 0x31];
        if (!cap || cap.len < 0) return null;
        for (const b of out.slice(cap.start, cap.start + cap.len)) if (!emit(b)) return null;
        break;
      }
      case ItemKind.Single: {
        const quant = prog.quants[i]!;
        let reps = quant === 0 ? 1 : quant === 0x2b ? 1 + rng.int(2) : rng.int(quant === 0x3f ? 2 : 3);
        const canSkip = quant !== 0 && quant !== 0x2b;
        let list = members(prog.tables[i]!);
        if (pending && reps > 0) {
          const p: Uint8Array = pending;
          const ok = list.filter((b) => p[b] === 1);
          if (ok.length > 0) list = ok;
          else if (canSkip) reps = 0;
        }
        if (list.length === 0) {
          if (!canSkip) return null;
          reps = 0;
        }
        // Before a frontier, end with a byte outside its set when we can.
        let lastList = list;
        if (i + 1 < upto && prog.kinds[i + 1] === ItemKind.Frontier) {
          const next = prog.tables[i + 1]!;
          const outside = list.filter((b) => next[b] === 0);
          if (outside.length > 0) lastList = outside;
        }
        for (let k = 0; k < reps; k++) if (!emit(rng.pick(k === reps - 1 ? lastList : list))) return null;
        break;
      }
      default:
        return null;
    }
  }
  if (pending) {
    const p: Uint8Array = pending;
    if (!(p[0] === 1 && (mustEnd || rng.chance(0.5)))) {
      if (mustEnd) return null;
      const list = members(p);
      if (list.length === 0) return null;
      out.push(rng.pick(list));
    }
  }
  return Uint8Array.from(out);
}
