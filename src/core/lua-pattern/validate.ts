/**
 * Strict validation: finds, without a subject, the error Lua would raise for a pattern.
 *
 * Lua raises every pattern error lazily, when `match` reaches the offending item (or, for
 * "unfinished capture", when a match succeeds with a capture still open). Which items are
 * reached depends on the subject, so some patterns fail for some subjects only (an unclosed
 * `[` after a literal that the subject never contains, say). We reject a pattern as soon as
 * *any* subject could make Lua raise: a client pattern is configuration, and a configuration
 * error is better reported up front than on the first unlucky resource.
 *
 * This is exact because every error except "pattern too complex" is static: the capture state
 * at an item (how many captures were opened, which are closed) is the same on every path that
 * reaches it, since each `(` and `)` before it is passed exactly once. So the first erroneous
 * item in pattern order is what Lua reports whenever it reports anything (checked by the
 * differential test).
 *
 * We treat every item as reachable. A pattern whose bad part no subject can reach (behind a
 * back-reference to a position capture, which never matches, or an impossible frontier) or
 * with an open capture but no possible match is rejected although Lua would never complain.
 *
 * "pattern too complex" is Lua's C-stack guard (MAXCCALLS = 200 nested `match` calls). A nested
 * call happens at `(`, `)` and at an item with a quantifier that matched at least once; we count
 * them all, so a pattern is rejected when 200 of them could nest. (A pattern whose quantified
 * items cannot all match is thus rejected although Lua would not complain; a 200-item client
 * pattern is not a realistic loss.)
 */

import { ItemKind, type Program } from './compile.js';

/** lstrlib.c MAXCCALLS: maximum nesting of `match` calls. */
export const MAXCCALLS = 200;
/** luaconf.h LUA_MAXCAPTURES. */
export const LUA_MAXCAPTURES = 32;

export interface StaticError {
  /** Lua's message, without any prefix. */
  readonly message: string;
  /** Index of the item where Lua would raise it. */
  readonly item: number;
  /** Byte offset of that item in the pattern (pattern length for "unfinished capture"). */
  readonly offset: number;
}

const UNFINISHED = 0;
const CLOSED = 1;
const POSITION = 2;

/** Returns the error Lua would raise for some subject, or null if the pattern is always fine. */
export function findStaticError(prog: Program): StaticError | null {
  const { kinds, quants, args, offsets } = prog;
  const captures: number[] = []; // state of each capture opened so far
  let nestedCalls = 0; // match() calls that could be nested at this point, besides the first
  const fail = (message: string, item: number): StaticError => ({
    message,
    item,
    offset: offsets[item]!,
  });

  for (let i = 0; i < kinds.length; i++) {
    // Reaching item i through a nested call: match() checks the depth on entry.
    if (nestedCalls >= MAXCCALLS) return fail('pattern too complex', i);
    switch (kinds[i]) {
      case ItemKind.Open:
        if (captures.length >= LUA_MAXCAPTURES) return fail('too many captures', i);
        captures.push(args[i] === 1 ? POSITION : UNFINISHED);
        nestedCalls++;
        break;
      case ItemKind.Close: {
        const l = captures.lastIndexOf(UNFINISHED);
        if (l < 0) return fail('invalid pattern capture', i);
        captures[l] = CLOSED;
        nestedCalls++;
        break;
      }
      case ItemKind.BackRef: {
        const l = args[i]! - 0x31; // digit - '1'
        if (l < 0 || l >= captures.length || captures[l] === UNFINISHED) {
          return fail(`invalid capture index %${l + 1}`, i);
        }
        break;
      }
      case ItemKind.Single:
        if (quants[i] !== 0) nestedCalls++;
        break;
      case ItemKind.Error:
        return fail(prog.errorMessage ?? 'malformed pattern', i);
      case ItemKind.End:
        if (captures.includes(UNFINISHED)) return fail('unfinished capture', i);
        break;
      default: // EndAnchor, Balance, Frontier: continue in the same call (goto init)
        break;
    }
  }
  return null;
}
