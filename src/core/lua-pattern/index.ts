/**
 * Lua 5.4 patterns (string.find / string.match) for client patterns such as `^Conversations%..*`.
 *
 * Semantics are those of lstrlib.c, byte for byte: subjects and patterns are matched as their
 * UTF-8 bytes (`.` matches one byte, `é` is two bytes, `[é]` is a set of two bytes), character
 * classes (`%a`, `%w`, ...) are those of the C locale (ASCII only), and positions are 1-based
 * byte positions. Differences from Lua, all deliberate:
 *  - `compile` rejects every pattern for which Lua would raise an error on *some* subject (Lua
 *    only raises when matching reaches the bad part); see validate.ts.
 *  - matching stops with "pattern too complex" after MAX_MATCH_STEPS steps per call (Lua has no
 *    time limit); see match.ts.
 *  - string captures are returned as JS strings: the captured bytes decoded as UTF-8 when they
 *    are valid UTF-8, else as latin1 (see utf8.ts).
 */

import { PatternError } from '../../errors.js';
import { parsePattern, type Program } from './compile.js';
import { Matcher, MAX_MATCH_STEPS } from './match.js';
import { collectCaptures, search, startOffset, type SearchResult } from './search.js';
import { decodeCapture, encodeToScratch, encodeUtf8, scratchBuffer } from './utf8.js';
import { findStaticError } from './validate.js';

export { MAX_MATCH_STEPS };

export type LuaCapture = string | number;

export interface LuaMatch {
  /** 1-based byte position of the first byte of the match. */
  start: number;
  /** 1-based byte position of the last byte of the match (start - 1 for an empty match). */
  end: number;
  /** Captured strings, and numbers (1-based byte positions) for position captures `()`. */
  captures: LuaCapture[];
}

/** The message of every PatternError about `source`: `client pattern "<source>": <lua message>`. */
export function patternErrorMessage(source: string, luaMessage: string): string {
  return `client pattern ${JSON.stringify(source)}: ${luaMessage}`;
}

export class LuaPattern {
  readonly source: string;
  readonly #prog: Program;
  readonly #matcher: Matcher;
  readonly #result: SearchResult = { start: 0, end: 0 };
  readonly #raise: (luaMessage: string) => never;

  private constructor(source: string, prog: Program) {
    this.source = source;
    this.#prog = prog;
    this.#raise = (luaMessage) => {
      throw new PatternError(patternErrorMessage(source, luaMessage));
    };
    this.#matcher = new Matcher(prog, this.#raise);
  }

  /**
   * Parses and validates a pattern. Throws PatternError with Lua's own message, prefixed with
   * the pattern, e.g. `client pattern "^zom%": malformed pattern (ends with '%')`.
   */
  static compile(source: string): LuaPattern {
    const prog = parsePattern(encodeUtf8(source));
    const error = findStaticError(prog);
    if (error) throw new PatternError(patternErrorMessage(source, error.message));
    return new LuaPattern(source, prog);
  }

  /**
   * string.find(subject, pattern, init): null, or the match's byte positions and captures (no
   * whole-match capture). Throws PatternError only when MAX_MATCH_STEPS is exceeded, and a
   * RangeError if `init` is not an integer.
   */
  find(subject: string, init?: number): LuaMatch | null {
    if (!this.#run(subject, init)) return null;
    const r = this.#result;
    return { start: r.start + 1, end: r.end, captures: this.#captures(false) };
  }

  /** string.match(subject, pattern, init): null, or the captures (the whole match if none). */
  match(subject: string, init?: number): LuaCapture[] | null {
    return this.#run(subject, init) ? this.#captures(true) : null;
  }

  /** Does string.match(subject, pattern) succeed? Allocation-free in the common case. */
  test(subject: string): boolean {
    return this.#run(subject, undefined);
  }

  toString(): string {
    return this.source;
  }

  #run(subject: string, init: number | undefined): boolean {
    const len = encodeToScratch(subject);
    const init0 = startOffset(init, len);
    if (init0 < 0) return false;
    this.#matcher.prepare(scratchBuffer(), len);
    // Lua's string.find does a plain search when the pattern has no special characters, and
    // string.match does not. A valid pattern without specials is all literal bytes (a stray
    // ')' is the only other case and compile rejects it), so both give the same result here.
    return search(this.#matcher, this.#prog, init0, this.#prog.noSpecials, this.#result);
  }

  #captures(whole: boolean): LuaCapture[] {
    const buf = scratchBuffer();
    return collectCaptures<LuaCapture>(
      this.#matcher,
      this.#result,
      whole,
      (start, end) => decodeCapture(buf, start, end),
      (position) => position,
      this.#raise,
    );
  }
}
