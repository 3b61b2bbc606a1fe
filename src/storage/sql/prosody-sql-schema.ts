/**
 * How Prosody 0.12's `mod_storage_sql` lays out a keyval store, so Prosody reads what we write and
 * we read what it wrote. From Debian's prosody 0.12.3-1 package,
 * /usr/lib/prosody/modules/mod_storage_sql.lua:
 *
 * - Table (lines 697-706): `prosody(host TEXT, user TEXT, store TEXT, key TEXT, type TEXT,
 *   value MEDIUMTEXT)`, all NOT NULL, with a NON-unique index `prosody_index(host, user, store, key)`
 *   (so `INSERT … ON CONFLICT` has nothing to conflict on; we lock instead, see sql-stats-store.ts).
 * - Keyval layout (keyval_store_set, lines 89-117): one row per string key of the stored table;
 *   `user` is the user name, or `""` for the host's own store (`user or ""`, lines 72, 94, 106).
 *   `set` deletes all rows of (host, user, store) and inserts the new ones, in one transaction.
 *   Non-string keys go together into one row with key `""` (lines 108-113); our stores have none.
 * - Values (serialize/deserialize, lines 30-59): strings → type `string`, value as is; numbers →
 *   `number`, `tostring(n)`; booleans → `boolean`; tables → `json`, util.json's encoding.
 * - Reading (keyval_store_get, lines 64-87): all rows of (host, user, store) make the table; no rows
 *   → no record.
 *
 * For mod_monthly_visitors (SPEC §3) that means: the host record is one row per month, user `""`,
 * store `monthly-visitors`, key = month, type `json`, value `{"client-IOS":2,"geo-…":1}`; a user
 * record is key `last-recorded`, type `string`, value `YYYY-MM`. Prosody writes JSON keys in table
 * order; we write them sorted.
 */
import { StoreFormatError } from '../../errors.js';
import { STORE_NAME } from '../prosody-paths.js';
import { monthLayout } from '../../core/month-layout.js';
import { monthFromLua, monthToLua } from '../records.js';
import { isLuaTable, type LuaTable, type LuaValue } from '../lua/read-literal.js';

export const SQL_STORE = STORE_NAME;
export const HOST_USER = '';
export const LAST_RECORDED_KEY = 'last-recorded';

/** The DDL Prosody's `create_table` runs (line 697 ff.), for a database Prosody has not set up yet. */
export function createTableSql(): string[] {
  // MEDIUMTEXT is turned into TEXT for drivers other than MySQL (util/sql.lua:267-268).
  const valueType = "TEXT";
  return [
    `CREATE TABLE IF NOT EXISTS "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" ${valueType} NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "prosody_index" ON "prosody" ("host", "user", "store", "key")`,
  ];
}

/** A month's counts as Prosody's json row value (keys sorted, integers plain). */
export function encodeMonth(counts: ReadonlyMap<string, number>): string {
  if (monthLayout(counts) === 'fork-isp') return JSON.stringify(sortedObject(monthToLua('', counts)));
  const obj: Record<string, number> = {};
  for (const k of [...counts.keys()].sort()) obj[k] = counts.get(k)!;
  return JSON.stringify(obj);
}

/** Decodes a month row; anything but a json object of non-negative integers is a format error. */
export function decodeMonth(type: string, value: string, where: string, month = ''): Map<string, number> {
  if (type !== 'json') throw new StoreFormatError(`${where}: expected a row of type "json", found type ${JSON.stringify(type)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new StoreFormatError(`${where}: the value is not valid JSON`);
  }
  // util.json encodes an empty table as [] (an empty month is harmless).
  if (Array.isArray(parsed) && parsed.length === 0) return new Map();
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new StoreFormatError(`${where}: expected a JSON object of counts`);
  // The ISP fork's month: a table of tables (docs/fork-isp.md).
  if (Object.values(parsed).some((v) => typeof v === 'object' && v !== null)) return monthFromLua(luaTableOf(parsed as object), month, where);
  const counts = new Map<string, number>();
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new StoreFormatError(`${where}: count ${JSON.stringify(k)} is not a whole number ≥ 0`);
    counts.set(k, v);
  }
  return counts;
}

/** A user's last-recorded row: Prosody stores strings as type `string`. */
export function decodeLastRecorded(type: string, value: string, where: string): string {
  if (type !== 'string') throw new StoreFormatError(`${where}: expected last-recorded of type "string", found type ${JSON.stringify(type)}`);
  return value;
}

/** Names a row for a message; a user's name is never shown (privacy). */
export function describeRow(label: string, host: string, user: string, key: string): string {
  return `${label} row (host ${JSON.stringify(host)}, store ${JSON.stringify(SQL_STORE)}, ${user === HOST_USER ? 'host record' : 'a user record'}, key ${JSON.stringify(key)})`;
}

/** A JSON object as a Lua table (values other than numbers, strings and objects are kept as strings, for the shape check to refuse). */
function luaTableOf(obj: object): LuaTable {
  const t: LuaTable = new Map();
  for (const [k, v] of Object.entries(obj)) t.set(k, typeof v === 'object' && v !== null ? luaTableOf(v as object) : typeof v === 'number' ? v : String(v));
  return t;
}

/** A Lua table of string keys as a JSON object with its keys sorted at every level. */
function sortedObject(t: LuaTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...t.keys()].map(String).sort()) {
    const v = t.get(k) as LuaValue;
    out[k] = isLuaTable(v) ? sortedObject(v) : v;
  }
  return out;
}
