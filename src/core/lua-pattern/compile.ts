/**
 * Parses the bytes of a Lua pattern into a flat list of items, following exactly how lstrlib.c
 * `match` walks a pattern: every item has a single successor (the next one in the list), so a
 * pattern is a sequence and the matcher addresses items by index instead of byte offset.
 *
 * Parsing is lenient, like Lua: a syntax error (`%` at the end, unclosed `[`, `%b` without two
 * bytes, `%f` without `[`) becomes an `Error` item that ends the list; Lua raises the message
 * only when matching reaches that point. Strict validation (what `LuaPattern.compile` rejects)
 * is in `validate.ts`.
 */

import { bracketTable, byteAt, singleItemTable } from './char-class.js';

export const enum ItemKind {
  /** End of pattern: the match succeeds here. */
  End = 0,
  /** `(`: start of a capture; `arg` is 1 for a position capture `()`. */
  Open = 1,
  /** `)`: end of the innermost unfinished capture. */
  Close = 2,
  /** `$` as the last pattern byte: end of subject. */
  EndAnchor = 3,
  /** `%bxy`: `arg` = x | y << 8. */
  Balance = 4,
  /** `%f[set]`: `table` is the set. */
  Frontier = 5,
  /** `%0`..`%9`: `arg` is the digit byte. */
  BackRef = 6,
  /** A single-character class with optional quantifier `quant` ('*', '+', '-', '?' or 0). */
  Single = 7,
  /** A malformed item; `message` is Lua's error, raised when matching reaches it. */
  Error = 8,
}

export interface Program {
  /** Pattern bytes, including a leading `^` if any. */
  readonly bytes: Uint8Array;
  /** Pattern starts with `^` (only then it is an anchor; elsewhere `^` is a literal). */
  readonly anchor: boolean;
  /** No byte of the pattern is one of Lua's SPECIALS: string.find does a plain search. */
  readonly noSpecials: boolean;
  readonly kinds: Uint8Array;
  readonly quants: Uint8Array;
  readonly args: Int32Array;
  /** Membership tables for Single and Frontier items, null elsewhere. */
  readonly tables: ReadonlyArray<Uint8Array | null>;
  /** Byte offset of each item in `bytes` (End and Error items included). */
  readonly offsets: Int32Array;
  /** Message of the Error item, if the list ends with one. */
  readonly errorMessage: string | null;
}

const L_ESC = 0x25;
const SPECIALS = new Set([...'^$*+?.([%-'].map((ch) => ch.charCodeAt(0)));

export const MSG_ENDS_WITH_ESC = "malformed pattern (ends with '%')";
export const MSG_MISSING_BRACKET = "malformed pattern (missing ']')";
export const MSG_BALANCE_ARGS = "malformed pattern (missing arguments to '%b')";
export const MSG_FRONTIER_BRACKET = "missing '[' after '%f' in pattern";

class ParseError {
  constructor(readonly message: string) {}
}

/** lstrlib.c `classend`: index just past the single-character class starting at `p`. */
function classEnd(pat: Uint8Array, p: number): number {
  const len = pat.length;
  const c = pat[p++]!;
  if (c === L_ESC) {
    if (p === len) throw new ParseError(MSG_ENDS_WITH_ESC);
    return p + 1;
  }
  if (c === 0x5b /* [ */) {
    if (byteAt(pat, p) === 0x5e /* ^ */) p++;
    do {
      // look for a ']'
      if (p === len) throw new ParseError(MSG_MISSING_BRACKET);
      if (pat[p++] === L_ESC && p < len) p++; // skip escapes (e.g. '%]')
    } while (byteAt(pat, p) !== 0x5d /* ] */);
    return p + 1;
  }
  return p;
}

function isQuantifier(c: number): boolean {
  return c === 0x2a || c === 0x2b || c === 0x2d || c === 0x3f; // * + - ?
}

/** Parses pattern bytes into a Program. Never throws: syntax errors become an Error item. */
export function parsePattern(bytes: Uint8Array): Program {
  const len = bytes.length;
  const anchor = len > 0 && bytes[0] === 0x5e;
  let noSpecials = true;
  for (const b of bytes) if (SPECIALS.has(b)) noSpecials = false;

  const kinds: number[] = [];
  const quants: number[] = [];
  const args: number[] = [];
  const tables: Array<Uint8Array | null> = [];
  const offsets: number[] = [];
  const push = (kind: ItemKind, at: number, arg = 0, table: Uint8Array | null = null, quant = 0) => {
    kinds.push(kind);
    quants.push(quant);
    args.push(arg);
    tables.push(table);
    offsets.push(at);
  };

  let errorMessage: string | null = null;
  let p = anchor ? 1 : 0;
  for (;;) {
    const at = p;
    if (p === len) {
      push(ItemKind.End, at);
      break;
    }
    try {
      const c = bytes[p]!;
      if (c === 0x28 /* ( */) {
        if (byteAt(bytes, p + 1) === 0x29 /* ) */) {
          push(ItemKind.Open, at, 1);
          p += 2;
        } else {
          push(ItemKind.Open, at, 0);
          p += 1;
        }
        continue;
      }
      if (c === 0x29 /* ) */) {
        push(ItemKind.Close, at);
        p += 1;
        continue;
      }
      if (c === 0x24 /* $ */ && p + 1 === len) {
        push(ItemKind.EndAnchor, at);
        p += 1;
        continue;
      }
      if (c === L_ESC) {
        const next = byteAt(bytes, p + 1);
        if (next === 0x62 /* b */) {
          if (p + 2 >= len - 1) throw new ParseError(MSG_BALANCE_ARGS);
          push(ItemKind.Balance, at, bytes[p + 2]! | (bytes[p + 3]! << 8));
          p += 4;
          continue;
        }
        if (next === 0x66 /* f */) {
          p += 2;
          if (byteAt(bytes, p) !== 0x5b /* [ */) throw new ParseError(MSG_FRONTIER_BRACKET);
          const ep = classEnd(bytes, p);
          push(ItemKind.Frontier, at, 0, bracketTable(bytes, p, ep));
          p = ep;
          continue;
        }
        if (next >= 0x30 && next <= 0x39) {
          push(ItemKind.BackRef, at, next);
          p += 2;
          continue;
        }
      }
      // default: single-character class plus optional suffix
      const ep = classEnd(bytes, p);
      const suffix = byteAt(bytes, ep);
      const quant = ep < len && isQuantifier(suffix) ? suffix : 0;
      push(ItemKind.Single, at, 0, singleItemTable(bytes, p, ep), quant);
      p = quant !== 0 ? ep + 1 : ep;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      errorMessage = e.message;
      push(ItemKind.Error, at);
      break;
    }
  }

  return {
    bytes,
    anchor,
    noSpecials,
    kinds: Uint8Array.from(kinds),
    quants: Uint8Array.from(quants),
    args: Int32Array.from(args),
    tables,
    offsets: Int32Array.from(offsets),
    errorMessage,
  };
}
