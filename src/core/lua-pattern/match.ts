/**
 * The matcher: a line-by-line port of lstrlib.c (Lua 5.4) `match`, `max_expand`, `min_expand`,
 * `start_capture`, `end_capture`, `match_capture` and `matchbalance`, over the item list of
 * `compile.ts` (item index instead of pattern pointer; -1 instead of NULL).
 *
 * Stack depth: like Lua we recurse only at `(`, `)` and quantified items that matched, and like
 * Lua we count those nested calls and raise "pattern too complex" beyond MAXCCALLS (200). The
 * depth therefore depends on the pattern only, never on the subject length: repetition over the
 * subject (`.*`, `.-`, `%b()`, back-references) is done by loops, so a 100 kB subject is fine.
 *
 * Time: Lua has no limit, and backtracking can be polynomial in the subject length with a high
 * degree (`(.-)(.-)(.-)x`). We count steps (loop iterations and bytes compared) per call of
 * find/match/test and raise "pattern too complex" after MAX_MATCH_STEPS. This is our addition;
 * a real Lua would keep going.
 */

import { ItemKind, type Program } from './compile.js';
import { LUA_MAXCAPTURES, MAXCCALLS } from './validate.js';

/** Our own limit on matching work per call (see the file comment); Lua has none. */
export const MAX_MATCH_STEPS = 10_000_000;

export const CAP_UNFINISHED = -1;
export const CAP_POSITION = -2;

const EMPTY = new Uint8Array(0);

export class Matcher {
  /** Subject bytes; only [0, srcEnd) is the subject (the buffer may be a larger scratch). */
  src: Uint8Array = EMPTY;
  srcEnd = 0;
  /** Number of captures (finished or not), as ms->level. */
  level = 0;
  readonly capInit = new Int32Array(LUA_MAXCAPTURES);
  readonly capLen = new Int32Array(LUA_MAXCAPTURES);
  private depth = MAXCCALLS;
  private steps = 0;
  private readonly kinds: Uint8Array;
  private readonly quants: Uint8Array;
  private readonly args: Int32Array;
  private readonly tables: ReadonlyArray<Uint8Array | null>;

  /** `raise` throws the error for a Lua error message; it must not return. */
  constructor(
    private readonly prog: Program,
    private readonly raise: (luaMessage: string) => never,
  ) {
    this.kinds = prog.kinds;
    this.quants = prog.quants;
    this.args = prog.args;
    this.tables = prog.tables;
  }

  /** prepstate: a new call of find/match on `src[0, srcEnd)`. */
  prepare(src: Uint8Array, srcEnd: number): void {
    this.src = src;
    this.srcEnd = srcEnd;
    this.depth = MAXCCALLS;
    this.steps = 0;
  }

  /** Adds `n` steps to the work of this call; raises beyond MAX_MATCH_STEPS. */
  private tick(n: number): void {
    this.steps += n;
    if (this.steps > MAX_MATCH_STEPS) this.raise('pattern too complex');
  }

  /** Tries the pattern at subject position `s` from item `i`; returns the match end or -1. */
  match(s: number, i: number): number {
    if (this.depth-- === 0) this.raise('pattern too complex');
    const { kinds, src, srcEnd } = this;
    for (;;) {
      this.tick(1);
      switch (kinds[i]) {
        case ItemKind.End:
          break;
        case ItemKind.Open:
          s = this.startCapture(s, i + 1, this.args[i] === 1 ? CAP_POSITION : CAP_UNFINISHED);
          break;
        case ItemKind.Close:
          s = this.endCapture(s, i + 1);
          break;
        case ItemKind.EndAnchor:
          if (s !== srcEnd) s = -1;
          break;
        case ItemKind.Balance:
          s = this.matchBalance(s, this.args[i]!);
          if (s !== -1) {
            i++;
            continue;
          }
          break;
        case ItemKind.Frontier: {
          const set = this.tables[i]!;
          const previous = s === 0 ? 0 : src[s - 1]!;
          const current = s < srcEnd ? src[s]! : 0;
          if (set[previous] === 0 && set[current] === 1) {
            i++;
            continue;
          }
          s = -1;
          break;
        }
        case ItemKind.BackRef:
          s = this.matchCapture(s, this.args[i]!);
          if (s !== -1) {
            i++;
            continue;
          }
          break;
        case ItemKind.Single: {
          const quant = this.quants[i];
          if (!(s < srcEnd && this.tables[i]![src[s]!] === 1)) {
            // does not match at least once
            if (quant === 0x2a || quant === 0x3f || quant === 0x2d) {
              i++; // '*', '?' or '-': accept empty
              continue;
            }
            s = -1; // '+' or no suffix
            break;
          }
          if (quant === 0) {
            s++;
            i++;
            continue;
          }
          if (quant === 0x3f) {
            // '?'
            const res = this.match(s + 1, i + 1);
            if (res !== -1) {
              s = res;
              break;
            }
            i++;
            continue;
          }
          if (quant === 0x2d) s = this.minExpand(s, i);
          else s = this.maxExpand(quant === 0x2b ? s + 1 : s, i); // '+' already matched once
          break;
        }
        default: // ItemKind.Error
          this.raise(this.prog.errorMessage ?? 'malformed pattern');
      }
      break;
    }
    this.depth++;
    return s;
  }

  private maxExpand(s: number, i: number): number {
    const { src, srcEnd } = this;
    const set = this.tables[i]!;
    let n = 0; // counts maximum expand for item
    while (s + n < srcEnd && set[src[s + n]!] === 1) n++;
    this.tick(n);
    // keeps trying to match with the maximum repetitions
    while (n >= 0) {
      const res = this.match(s + n, i + 1);
      if (res !== -1) return res;
      n--; // else didn't match; reduce 1 repetition to try again
    }
    return -1;
  }

  private minExpand(s: number, i: number): number {
    const { src, srcEnd } = this;
    const set = this.tables[i]!;
    for (;;) {
      const res = this.match(s, i + 1);
      if (res !== -1) return res;
      if (s < srcEnd && set[src[s]!] === 1) s++; // try with one more repetition
      else return -1;
    }
  }

  private startCapture(s: number, next: number, what: number): number {
    const level = this.level;
    if (level >= LUA_MAXCAPTURES) this.raise('too many captures');
    this.capInit[level] = s;
    this.capLen[level] = what;
    this.level = level + 1;
    const res = this.match(s, next);
    if (res === -1) this.level--; // undo capture
    return res;
  }

  private endCapture(s: number, next: number): number {
    const l = this.captureToClose();
    this.capLen[l] = s - this.capInit[l]!; // close capture
    const res = this.match(s, next);
    if (res === -1) this.capLen[l] = CAP_UNFINISHED; // undo capture
    return res;
  }

  private captureToClose(): number {
    for (let level = this.level - 1; level >= 0; level--) {
      if (this.capLen[level] === CAP_UNFINISHED) return level;
    }
    return this.raise('invalid pattern capture');
  }

  /** `digit` is the pattern byte after '%' ('0'..'9'). */
  private matchCapture(s: number, digit: number): number {
    const l = digit - 0x31;
    if (l < 0 || l >= this.level || this.capLen[l] === CAP_UNFINISHED) {
      this.raise(`invalid capture index %${l + 1}`);
    }
    const len = this.capLen[l]!;
    // C compares as size_t: a position capture (len -2) is huge, so it never matches.
    if (len < 0 || this.srcEnd - s < len) return -1;
    this.tick(len);
    const { src } = this;
    const init = this.capInit[l]!;
    for (let k = 0; k < len; k++) if (src[init + k] !== src[s + k]) return -1;
    return s + len;
  }

  /** `arg` = opening byte | closing byte << 8. */
  private matchBalance(s: number, arg: number): number {
    const { src, srcEnd } = this;
    const b = arg & 0xff;
    const e = arg >> 8;
    if (s >= srcEnd || src[s] !== b) return -1;
    let cont = 1;
    const start = s;
    while (++s < srcEnd) {
      const c = src[s];
      if (c === e) {
        if (--cont === 0) {
          this.tick(s - start);
          return s + 1;
        }
      } else if (c === b) cont++;
    }
    this.tick(s - start);
    return -1; // string ends out of balance
  }
}
