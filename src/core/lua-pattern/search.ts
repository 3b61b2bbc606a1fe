/**
 * lstrlib.c `str_find_aux` and `push_captures`: where matching starts (`init`), the plain search
 * of string.find, the loop over start positions, and turning capture state into values.
 */

import type { Program } from './compile.js';
import { CAP_POSITION, CAP_UNFINISHED, type Matcher } from './match.js';

/**
 * 0-based start offset for Lua's `init` argument on a subject of `len` bytes (lstrlib.c
 * `posrelatI(init, len) - 1`), or -1 when init is past the end (+1) so nothing can be found.
 * Lua requires an integer; we throw a RangeError for anything else.
 */
export function startOffset(init: number | undefined, len: number): number {
  if (init === undefined) return 0;
  if (!Number.isInteger(init)) {
    throw new RangeError(`init must be an integer, got ${String(init)}`);
  }
  let pos: number;
  if (init > 0) pos = init;
  else if (init === 0) pos = 1;
  else if (init < -len) pos = 1;
  else pos = len + init + 1;
  return pos - 1 > len ? -1 : pos - 1;
}

/** lstrlib.c `lmemfind` from `from`: index of the first occurrence of `needle`, or -1. */
function plainFind(src: Uint8Array, srcEnd: number, from: number, needle: Uint8Array): number {
  const n = needle.length;
  if (n === 0) return from;
  const first = needle[0]!;
  const last = srcEnd - n;
  outer: for (let i = from; i <= last; i++) {
    if (src[i] !== first) continue;
    for (let k = 1; k < n; k++) if (src[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Where the last successful `search` matched: [start, end) byte offsets. */
export interface SearchResult {
  start: number;
  end: number;
}

/**
 * The search part of str_find_aux on `m`'s prepared subject, starting at 0-based `init0` (from
 * startOffset, not -1). `plain`: do string.find's plain search (only for patterns without
 * specials). Returns false when there is no match; otherwise fills `out` and leaves the captures
 * in `m` (m.level = 0 after a plain search).
 */
export function search(
  m: Matcher,
  prog: Program,
  init0: number,
  plain: boolean,
  out: SearchResult,
): boolean {
  const srcEnd = m.srcEnd;
  if (plain) {
    const at = plainFind(m.src, srcEnd, init0, prog.bytes);
    if (at < 0) return false;
    m.level = 0;
    out.start = at;
    out.end = at + prog.bytes.length;
    return true;
  }
  let s1 = init0;
  do {
    m.level = 0; // reprepstate
    const res = m.match(s1, 0);
    if (res !== -1) {
      out.start = s1;
      out.end = res;
      return true;
    }
  } while (s1++ < srcEnd && !prog.anchor);
  return false;
}

/**
 * lstrlib.c `push_captures` after a successful search: the captures, or the whole match when
 * `whole` (string.match) and there are none. `str` builds a string capture from a byte range,
 * `pos` a position capture (1-based). Raises "unfinished capture" like Lua.
 */
export function collectCaptures<T>(
  m: Matcher,
  result: SearchResult,
  whole: boolean,
  str: (start: number, end: number) => T,
  pos: (position: number) => T,
  raise: (luaMessage: string) => never,
): T[] {
  if (m.level === 0) return whole ? [str(result.start, result.end)] : [];
  const values: T[] = [];
  for (let i = 0; i < m.level; i++) {
    const init = m.capInit[i]!;
    const len = m.capLen[i]!;
    if (len === CAP_UNFINISHED) raise('unfinished capture');
    values.push(len === CAP_POSITION ? pos(init + 1) : str(init, init + len));
  }
  return values;
}
