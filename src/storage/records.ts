/**
 * Typed forms of mod_monthly_visitors' two records, converted from and to the Lua tables of their
 * `.dat` files:
 *
 *   host record  { ["YYYY-MM"] = { ["client-IOS"] = 2; ["geo-DE-HE-2925533"] = 1; ... }; ... }
 *   user record  { ["last-recorded"] = "YYYY-MM" }
 *
 * Reading is lenient about *names* and strict about *shape*: a host record may have any string
 * month keys and any string counter keys (we never rename or drop what the module or a newer
 * version of it wrote), but every month must be a table and every count a non-negative integer;
 * anything else is a StoreFormatError naming the file, so nothing is written over data we do not
 * understand. A user record keeps every key other than `last-recorded` in `extra`, and
 * `serializeUserRecord` writes them back unchanged (an unknown key a future module version adds
 * survives our rewrite).
 */
import { StoreFormatError } from '../errors.js';
import {
  LuaBytes,
  isLuaTable,
  parseLuaTableChunk,
  type LuaKey,
  type LuaTable,
  type LuaValue,
} from './lua/read-literal.js';
import { forkPath, layoutName, monthLayout, PATH_SEP, type Layout } from '../core/month-layout.js';
import { PLAIN_CHAR_CLASS, byCodeUnit, isPlainLuaString, serializeLuaReturnChunk } from './lua/write-literal.js';

/** month (`YYYY-MM`) → counter key (`client-…`, `geo-…`) → count. */
export type HostRecord = Map<string, Map<string, number>>;

/** The user record's only key the module knows. */
export const LAST_RECORDED_KEY = 'last-recorded';

export interface UserRecord {
  /** The month the user was last counted in; undefined if the record has no `last-recorded`. */
  lastRecorded: string | undefined;
  /** Every other key of the file, kept as read and written back as is. */
  extra: LuaTable;
}

function showKey(k: LuaKey): string {
  if (typeof k === 'string') return JSON.stringify(k.length > 60 ? `${k.slice(0, 60)}...` : k);
  if (k instanceof LuaBytes) return `"${k.toString().slice(0, 60)}" (not UTF-8)`;
  return String(k);
}

function showValue(v: LuaValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  if (isLuaTable(v)) return 'a table';
  return `the string ${showKey(v)}`;
}

/** Parses a host record file. Missing data (`return nil`) is an empty record. */
export function parseHostRecord(buf: Buffer | string, file: string): HostRecord {
  return plainHostRecord(typeof buf === 'string' ? buf : buf.toString('latin1')) ?? hostRecordFromLua(parseLuaTableChunk(buf, file), file);
}

// The layout util.serialization writes (ours and Prosody's): one entry per line, plain keys.
const PLAIN_KEY = `(${PLAIN_CHAR_CLASS}*)`;
const MONTH_OPEN = new RegExp(`\\n\\t\\["${PLAIN_KEY}"\\] = \\{`, 'y');
const COUNT = new RegExp(`\\n\\t\\t\\["${PLAIN_KEY}"\\] = (0|[1-9][0-9]{0,15});`, 'y');
const MONTH_CLOSE = /\n\t\};/y;
const EMPTY_MONTH = /\};/y;

/**
 * A host record in exactly the layout util.serialization writes, with plain keys and integer
 * counts, read without the general Lua reader: a busy host's file has tens of thousands of lines
 * and is read by every run. Null for anything else, which the general reader then reads (or
 * rejects with its message): this path only ever accepts text that reader reads the same way.
 */
export function plainHostRecord(text: string): HostRecord | null {
  if (!text.startsWith('return {')) return null;
  const rec: HostRecord = new Map();
  let pos = 'return {'.length;
  for (;;) {
    MONTH_OPEN.lastIndex = pos;
    const month = MONTH_OPEN.exec(text);
    if (month === null) break;
    pos = MONTH_OPEN.lastIndex;
    const counts = new Map<string, number>();
    EMPTY_MONTH.lastIndex = pos;
    if (EMPTY_MONTH.test(text)) {
      pos = EMPTY_MONTH.lastIndex;
    } else {
      for (;;) {
        COUNT.lastIndex = pos;
        const entry = COUNT.exec(text);
        if (entry === null) break;
        const n = Number(entry[2]);
        if (!Number.isSafeInteger(n)) return null;
        counts.set(entry[1]!, n);
        pos = COUNT.lastIndex;
      }
      MONTH_CLOSE.lastIndex = pos;
      if (counts.size === 0 || !MONTH_CLOSE.test(text)) return null;
      pos = MONTH_CLOSE.lastIndex;
    }
    rec.set(month[1]!, counts);
  }
  const rest = text.slice(pos);
  if (rec.size === 0 ? rest !== '};\n' : rest !== '\n};\n') return null;
  return rec;
}

/**
 * Checks and converts the table of a host record: every month in the module's layout (a table of
 * counts) or every month in the ISP fork's (a table of geo keys to nested counts; core/month-layout.ts).
 */
export function hostRecordFromLua(t: LuaTable, file: string): HostRecord {
  const out: HostRecord = new Map();
  for (const [month, counts] of t) {
    if (typeof month !== 'string') {
      throw new StoreFormatError(`${file}: key ${showKey(month)} is not a month string (a host record maps months to tables of counts)`);
    }
    if (!isLuaTable(counts)) {
      throw new StoreFormatError(`${file}: month ${showKey(month)} holds ${showValue(counts)}, not a table of counts`);
    }
    out.set(month, monthFromLua(counts, month, file));
  }
  assertOneLayout(out, file);
  return out;
}

/** A month whose values are non-empty tables is the fork's (the module's are numbers). */
function isForkMonth(counts: LuaTable): boolean {
  for (const v of counts.values()) return isLuaTable(v) && v.size > 0;
  return false;
}

function moduleMonth(counts: LuaTable, month: string, file: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [key, n] of counts) {
    if (typeof key !== 'string') {
      throw new StoreFormatError(`${file}: month ${showKey(month)}: key ${showKey(key)} is not a string`);
    }
    m.set(key, count(n, file, month, key));
  }
  return m;
}

/** `{ [geo] = { users_seen = n, clients_seen = { [CAT] = n }, isps_seen = { [ISP] = n } } }`, flattened to paths. */
function forkMonth(geos: LuaTable, month: string, file: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [geo, fields] of geos) {
    if (typeof geo !== 'string' || geo.includes(PATH_SEP) || !isLuaTable(fields) || fields.size === 0) {
      throw neitherLayout(file, month, `key ${showKey(geo)} is not a geo key with a table of counts`);
    }
    for (const [field, value] of fields) {
      if (typeof field !== 'string' || field.includes(PATH_SEP)) throw neitherLayout(file, month, `geo key ${showKey(geo)}: field ${showKey(field)}`);
      if (!isLuaTable(value)) {
        m.set(`${geo}${PATH_SEP}${field}`, count(value, file, month, `${geo}.${field}`));
        continue;
      }
      for (const [name, n] of value) {
        if (typeof name !== 'string' || name.includes(PATH_SEP) || isLuaTable(n)) {
          throw neitherLayout(file, month, `geo key ${showKey(geo)}, ${field}: key ${showKey(name)} is not a name with a count`);
        }
        m.set(`${geo}${PATH_SEP}${field}${PATH_SEP}${name}`, count(n, file, month, `${geo}.${field}.${name}`));
      }
    }
  }
  return m;
}

function count(n: LuaValue, file: string, month: string, key: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new StoreFormatError(`${file}: month ${showKey(month)}, key ${showKey(key)}: the count is ${showValue(n)}, not a non-negative integer`);
  }
  return n + 0; // + 0 turns -0 into 0
}

function neitherLayout(file: string, month: string, why: string): StoreFormatError {
  return new StoreFormatError(`${file}: month ${showKey(month)} is neither the module's layout nor the ISP fork's: ${why}`);
}

/** The Lua table of a host record (fork months nested again). Throws TypeError for a count that is not a non-negative integer. */
export function hostRecordToLua(rec: HostRecord): LuaTable {
  const t: LuaTable = new Map();
  for (const [month, counts] of rec) t.set(month, monthToLua(month, counts));
  return t;
}

/** One month's Lua table: the module's flat counts, or the fork's paths nested. */
export function monthToLua(month: string, counts: ReadonlyMap<string, number>): LuaTable {
  const m: LuaTable = new Map();
  for (const [key, n] of counts) {
    const path = forkPath(key);
    if (path === null) {
      m.set(key, checkedCount(month, key, n));
      continue;
    }
    let geo = m.get(path.geo) as LuaTable | undefined;
    if (geo === undefined) m.set(path.geo, (geo = new Map()));
    if (path.name === null) {
      geo.set(path.field, checkedCount(month, key, n));
      continue;
    }
    let field = geo.get(path.field) as LuaTable | undefined;
    if (field === undefined) geo.set(path.field, (field = new Map()));
    field.set(path.name, checkedCount(month, key, n));
  }
  return m;
}

/** One month's counts from its Lua table (either layout), for a store that keeps months apart (SQL). */
export function monthFromLua(t: LuaTable, month: string, where: string): Map<string, number> {
  return isForkMonth(t) ? forkMonth(t, month, where) : moduleMonth(t, month, where);
}

/** A count as written (-0 as 0). Throws TypeError for a count that is not a non-negative integer. */
function checkedCount(month: string, key: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`host record: month ${month}, key ${key}: count ${n} is not a non-negative integer`);
  return n + 0;
}

/** The `.dat` bytes of a host record (sorted keys). An empty record gives `return {};\n`. */
export function serializeHostRecord(rec: HostRecord, file = 'host record'): Buffer {
  const plain = plainHostRecordChunk(rec);
  if (plain !== null) return plain;
  assertOneLayout(rec, file);
  return serializeLuaReturnChunk(hostRecordToLua(rec));
}

/** A record with months of both layouts is never read or written (StoreFormatError naming `file` and the months). */
export function assertOneLayout(rec: HostRecord, file: string): void {
  let first: { month: string; layout: Layout } | undefined;
  for (const [month, counts] of rec) {
    const layout = monthLayout(counts);
    if (layout === null) continue;
    if (first === undefined) first = { month, layout };
    else if (layout !== first.layout) {
      throw new StoreFormatError(`${file}: month ${showKey(month)} is in ${layoutName(layout)} but month ${showKey(first.month)} in ${layoutName(first.layout)}: one store holds one layout`);
    }
  }
}

/**
 * The same bytes, written straight from the record when every key is plain printable ASCII (the
 * module's `YYYY-MM`, `client-…` and `geo-…` keys): a busy host has tens of thousands of keys and
 * is rewritten on every commit, and the general writer's Lua table copy and per-key checks were
 * most of that. Null for a record with any other key: the general writer handles it.
 */
function plainHostRecordChunk(rec: HostRecord): Buffer | null {
  const months = [...rec.keys()];
  if (months.length === 0 || !months.every(isPlainLuaString)) return null;
  let s = 'return {';
  for (const month of months.sort(byCodeUnit)) {
    const counts = rec.get(month)!;
    const keys = [...counts.keys()];
    if (!keys.every(isPlainLuaString)) return null;
    if (keys.length === 0) {
      s += `\n\t["${month}"] = {};`;
      continue;
    }
    s += `\n\t["${month}"] = {`;
    for (const key of keys.sort(byCodeUnit)) {
      s += `\n\t\t["${key}"] = ${checkedCount(month, key, counts.get(key)!)};`;
    }
    s += '\n\t};';
  }
  return Buffer.from(`${s}\n};\n`, 'latin1');
}


/** Parses a user record file. Missing data (`return nil`) is a record without `last-recorded`. */
export function parseUserRecord(buf: Buffer | string, file: string): UserRecord {
  return userRecordFromLua(parseLuaTableChunk(buf, file), file);
}

export function userRecordFromLua(t: LuaTable, file: string): UserRecord {
  const extra: LuaTable = new Map(t);
  const last = extra.get(LAST_RECORDED_KEY);
  extra.delete(LAST_RECORDED_KEY);
  if (last !== undefined && typeof last !== 'string') {
    throw new StoreFormatError(`${file}: "${LAST_RECORDED_KEY}" is ${showValue(last)}, not a month string`);
  }
  return { lastRecorded: last, extra };
}

export function userRecordToLua(rec: UserRecord): LuaTable {
  const t: LuaTable = new Map(rec.extra);
  if (rec.lastRecorded !== undefined) t.set(LAST_RECORDED_KEY, rec.lastRecorded);
  else t.delete(LAST_RECORDED_KEY);
  return t;
}

/** The `.dat` bytes of a user record: `extra` plus `last-recorded` (sorted keys). */
export function serializeUserRecord(rec: UserRecord | { lastRecorded: string }): Buffer {
  const full: UserRecord = 'extra' in rec ? rec : { lastRecorded: rec.lastRecorded, extra: new Map() };
  if (full.extra.size === 0 && full.lastRecorded !== undefined) {
    // Nearly every user file is just `last-recorded`, and a run has only a few months: serialize
    // each month once (a backfill writes 100,000 of these). The buffer is shared: never modify it.
    let bytes = plainUserFiles.get(full.lastRecorded);
    if (bytes === undefined) {
      bytes = serializeLuaReturnChunk(userRecordToLua(full));
      if (plainUserFiles.size > 1000) plainUserFiles.clear();
      plainUserFiles.set(full.lastRecorded, bytes);
    }
    return bytes;
  }
  return serializeLuaReturnChunk(userRecordToLua(full));
}

const plainUserFiles = new Map<string, Buffer>();

/** True when the record's file would be an empty table (datamanager deletes such a file). */
export function isEmptyUserRecord(rec: UserRecord): boolean {
  return rec.lastRecorded === undefined && rec.extra.size === 0;
}
