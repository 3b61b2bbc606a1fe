/**
 * Byte-level string.find / string.match with exactly Lua's behaviour, errors included: unlike
 * LuaPattern, patterns are not validated up front, and errors are raised only when matching
 * reaches them, as lstrlib.c does. Internal: used by the differential test against a Lua VM.
 */

import { parsePattern } from './compile.js';
import { Matcher } from './match.js';
import { collectCaptures, search, startOffset, type SearchResult } from './search.js';

/** A Lua error raised by string.find / string.match; `message` is Lua's message. */
export class LuaError extends Error {}

/** A string capture as bytes, or a position capture. */
export type RawCapture = Uint8Array | number;

export interface RawFindResult {
  start: number;
  end: number;
  captures: RawCapture[];
}

function raise(message: string): never {
  throw new LuaError(message);
}

function run(pattern: Uint8Array, subject: Uint8Array, init: number | undefined, find: boolean) {
  const prog = parsePattern(pattern);
  const init0 = startOffset(init, subject.length);
  if (init0 < 0) return null;
  const m = new Matcher(prog, raise);
  m.prepare(subject, subject.length);
  const result: SearchResult = { start: 0, end: 0 };
  if (!search(m, prog, init0, find && prog.noSpecials, result)) return null;
  const captures = collectCaptures<RawCapture>(
    m,
    result,
    !find,
    (start, end) => subject.slice(start, end),
    (position) => position,
    raise,
  );
  return { start: result.start + 1, end: result.end, captures };
}

/** string.find(subject, pattern, init) on bytes. Throws LuaError. */
export function rawFind(pattern: Uint8Array, subject: Uint8Array, init?: number): RawFindResult | null {
  return run(pattern, subject, init, true);
}

/** string.match(subject, pattern, init) on bytes. Throws LuaError. */
export function rawMatch(pattern: Uint8Array, subject: Uint8Array, init?: number): RawCapture[] | null {
  return run(pattern, subject, init, false)?.captures ?? null;
}
