/**
 * How Lua values are represented in JS:
 * - Lua strings are JS `string`s when their bytes are valid UTF-8, else {@link LuaBytes} (see
 *   lua-bytes.ts).
 * - Numbers are JS numbers. Lua integers beyond ±2^53 lose precision; integer and float are not
 *   distinguished (the writer writes every integral value below 2^63 as an integer, as a Lua
 *   integer would be written). `-0` and `-0.0` read as -0.
 * - Booleans are booleans; nil is "absent" (`undefined` only as a chunk result).
 * - Tables are `LuaTable = Map<LuaKey, LuaValue>` in source order (the writer sorts). Keys are
 *   strings, numbers (never NaN), booleans or `LuaBytes`; table keys are not supported.
 */
import { LuaBytes } from './lua-bytes.js';

/** Deepest table nesting accepted by the reader and produced by the writer (the top table is 1). */
export const MAX_TABLE_DEPTH = 100;

/** A Lua key: what a `LuaTable` may be indexed by. */
export type LuaKey = string | number | boolean | LuaBytes;
/** A Lua value other than nil. */
export type LuaValue = string | number | boolean | LuaBytes | LuaTable;
/** A Lua table: entries in source order; see the module comment. */
export type LuaTable = Map<LuaKey, LuaValue>;

export function isLuaTable(v: unknown): v is LuaTable {
  return v instanceof Map;
}

/** Lua's type() name of a value (LuaBytes is a string). */
export function luaTypeName(v: LuaValue | undefined): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'string' || v instanceof LuaBytes) return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'table';
}
