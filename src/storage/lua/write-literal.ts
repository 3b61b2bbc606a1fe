/**
 * Writes `.dat` chunks exactly as Prosody 0.12's `util.datamanager` does (`"return " ..
 * serialize(data) .. ";\n"`, util/datamanager.lua 0.12.3 line 207) with the default, indented
 * preset of `util.serialization` (`serialize = function (x, opt) ... default(x)` where
 * `default = new()`, util/serialization.lua 0.12.3 lines 274-283) — byte for byte, except that
 * keys are written in a fixed order instead of `next()` order.
 *
 * What that serializer does (util/serialization.lua, Prosody 0.12.3):
 * - Layout (lines 107-116, 164-207): `{`, then for each entry "\n" + depth×TAB + entry + ";";
 *   after the last entry ";" becomes ";\n" followed by (depth-1)×TAB; then `}`. The top table has
 *   depth 1, so entries are indented by one TAB and its `}` by none. An empty table is `{}`.
 * - Keys (lines 174-193): the default preset sets no `unquoted` option, so every key is written as
 *   `[` key `] = ` — string keys too (`["client-IOS"] = 2;`). Only an integer key equal to the
 *   running counter `numkey` (starting at 1 and advanced on each match) is written bare, as a
 *   positional entry. With our sorted order that is exactly the run 1, 2, 3, ... of integer keys.
 * - Strings (lines 41-54, 223-225): always in double quotes. Bytes matched by
 *   `[%z\1-\31\"\'\\\127-\255]` are escaped: \a \b \f \n \r \t \v \\ \" \' by name, every other
 *   one as a three-digit decimal `\ddd` (`\000`, `\027`, `\127`, `\195\169` for "é"). So the
 *   single quote is escaped too, DEL (127) and every byte ≥ 128 are escaped (UTF-8 text is written
 *   as decimal escapes), and the output is pure printable ASCII. Nothing else (no \x, no \u{},
 *   no long brackets) is ever written.
 * - Numbers (lines 239-250): `math.type(n) == "integer"` → `%d`; +inf → `(1/0)`, -inf →
 *   `(-1/0)`, nan → `(0/0)`; any other float → `%.18g` (so 2.0 is written `2` and reads back as an
 *   integer; 0.1 is `0.100000000000000006`; 1e300 is `1.00000000000000005e+300`; -0.0 is `-0`).
 *   JS has no integer type: we write an integral number in [-2^63, 2^63) with `%d` (as the Lua
 *   integer it reads back as) and everything else with `%.18g`, computed exactly (BigInt) with
 *   glibc's round-half-to-even, so 18 significant digits always round-trip a double.
 * - Booleans `true` / `false` (lines 257-259).
 * - Depth and references (lines 130-137): more than `maxdepth` (127) levels or a table reached
 *   twice (even without a cycle) is a fatal "Can't serialize" error in the default preset. We throw
 *   a TypeError for a table reached twice and for more than MAX_TABLE_DEPTH (100) levels, the
 *   reader's limit, so everything written can be read back.
 *
 * Key order (ours; Prosody's is random): numbers ascending (-inf first), then false, true, then
 * strings by their bytes (UTF-8 for JS strings; so code point order), shorter prefix first.
 *
 * Invalid input (undefined/null values, NaN keys, table keys, lone UTF-16 surrogates, other JS
 * types) is a programming error and throws TypeError.
 */
import { LuaBytes, isWellFormedString } from './lua-bytes.js';
import { MAX_TABLE_DEPTH, type LuaKey, type LuaTable, type LuaValue } from './lua-value.js';

/** Escape for each byte (util/serialization.lua lines 41-54), or the character itself. */
const BYTE_TEXT: string[] = (() => {
  const named: Record<number, string> = {
    0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v',
    0x5c: '\\\\', 0x22: '\\"', 0x27: "\\'",
  };
  const out: string[] = [];
  for (let b = 0; b < 256; b++) {
    if (named[b] !== undefined) out.push(named[b]!);
    else if (b < 32 || b >= 127) out.push(`\\${String(b).padStart(3, '0')}`);
    else out.push(String.fromCharCode(b));
  }
  return out;
})();

/** A character written as itself between the quotes: printable ASCII except `"`, `'` and `\` (a regex class). */
export const PLAIN_CHAR_CLASS = '[\\x20\\x21\\x23-\\x26\\x28-\\x5b\\x5d-\\x7e]';
/** A JS string that needs no escaping. */
const PLAIN = new RegExp(`^${PLAIN_CHAR_CLASS}*$`);

/** The quoted, escaped Lua string literal for these bytes, as Prosody writes it. */
export function quoteLuaBytes(bytes: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TEXT[bytes[i]!]!;
  return `${s}"`;
}

/** True when `s` is written as is between double quotes (printable ASCII without `"`, `'`, `\\`). */
export function isPlainLuaString(s: string): boolean {
  return PLAIN.test(s);
}

/** The quoted, escaped Lua string literal for a Lua string, as Prosody writes it. */
export function quoteLuaString(s: string | LuaBytes): string {
  if (typeof s === 'string') {
    if (PLAIN.test(s)) return `"${s}"`;
    if (!isWellFormedString(s)) throw new TypeError('cannot serialize a string with a lone UTF-16 surrogate');
    return quoteLuaBytes(Buffer.from(s, 'utf8'));
  }
  let out = '"';
  const b = s.binary;
  for (let i = 0; i < b.length; i++) out += BYTE_TEXT[b.charCodeAt(i)]!;
  return `${out}"`;
}

const TWO_63 = 2 ** 63;

/** A number as util/serialization.lua writes it (lines 239-250); see the module comment. */
export function formatLuaNumber(n: number): string {
  if (Number.isNaN(n)) return '(0/0)';
  if (n === Infinity) return '(1/0)';
  if (n === -Infinity) return '(-1/0)';
  if (Object.is(n, -0)) return '-0'; // a float -0.0 through %.18g
  if (Number.isInteger(n) && n >= -TWO_63 && n < TWO_63) {
    return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  }
  return formatG(n, 18);
}

/**
 * C's `printf("%.<precision>g", x)` for a finite x, exact (BigInt) with round-half-to-even on the
 * exact binary value, as glibc does.
 */
export function formatG(x: number, precision: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biasedExp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biasedExp - 1075;
  }
  // value = digits × 10^(pointPos - digits.length)
  let digits: string;
  let pointPos: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    pointPos = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    pointPos = digits.length + e2;
  }
  const p = Math.max(precision, 1);
  if (digits.length > p) {
    const kept = digits.slice(0, p);
    const rest = digits.slice(p);
    const first = rest.charCodeAt(0) - 0x30;
    const restNonZeroAfterFirst = /[1-9]/.test(rest.slice(1));
    const lastOdd = (kept.charCodeAt(p - 1) - 0x30) % 2 === 1;
    const up = first > 5 || (first === 5 && (restNonZeroAfterFirst || lastOdd));
    if (up) {
      const inc = (BigInt(kept) + 1n).toString();
      if (inc.length > p) {
        digits = inc.slice(0, p);
        pointPos += 1;
      } else digits = inc;
    } else digits = kept;
  }
  digits = digits.replace(/0+$/, '');
  if (digits.length === 0) digits = '0';
  const exp10 = pointPos - 1;
  if (exp10 < -4 || exp10 >= p) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = Math.abs(exp10);
    return `${sign}${mantissa}e${exp10 < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  if (pointPos <= 0) return `${sign}0.${'0'.repeat(-pointPos)}${digits}`;
  if (pointPos >= digits.length) return `${sign}${digits}${'0'.repeat(pointPos - digits.length)}`;
  return `${sign}${digits.slice(0, pointPos)}.${digits.slice(pointPos)}`;
}

interface SortedKey {
  key: LuaKey;
  /** 0 number, 1 boolean, 2 string */
  rank: number;
  bytes?: Buffer;
}

function keyOf(k: unknown): SortedKey {
  if (typeof k === 'number') {
    if (Number.isNaN(k)) throw new TypeError('cannot serialize a table with a NaN key');
    return { key: k, rank: 0 };
  }
  if (typeof k === 'boolean') return { key: k, rank: 1 };
  if (typeof k === 'string') {
    if (!isWellFormedString(k)) throw new TypeError('cannot serialize a string with a lone UTF-16 surrogate');
    return { key: k, rank: 2, bytes: Buffer.from(k, 'utf8') };
  }
  if (k instanceof LuaBytes) return { key: k, rank: 2, bytes: k.toBuffer() };
  throw new TypeError(`cannot serialize a table key of type ${k instanceof Map ? 'table' : typeof k}`);
}

/** The writer's key order (see the module comment); usable with Array.prototype.sort. */
export function compareLuaKeys(a: LuaKey, b: LuaKey): number {
  return compareSorted(keyOf(a), keyOf(b));
}

function compareSorted(a: SortedKey, b: SortedKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank === 0) return (a.key as number) - (b.key as number);
  if (a.rank === 1) return Number(a.key) - Number(b.key);
  return Buffer.compare(a.bytes!, b.bytes!);
}

/** Strings whose UTF-16 code unit order is their UTF-8 byte order: no surrogates, nothing above them. */
const BELOW_SURROGATES = /^[\u0000-\ud7ff]*$/;

/** JS's own string order (UTF-16 code units): the writer's order for strings BELOW_SURROGATES matches. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries of a table in the writer's order. */
export function sortedEntries(t: LuaTable): Array<[LuaKey, LuaValue]> {
  // Fast path for the usual table (a host record's thousands of `geo-…` keys): string keys whose
  // byte order JS's own comparison gives, sorted without a Buffer per key and per comparison.
  let plain = true;
  for (const k of t.keys()) {
    if (typeof k !== 'string' || !BELOW_SURROGATES.test(k)) {
      plain = false;
      break;
    }
  }
  if (plain) return ([...t.keys()] as string[]).sort(byCodeUnit).map((k) => [k, t.get(k)!]);
  const keys: SortedKey[] = [];
  for (const k of t.keys()) keys.push(keyOf(k));
  keys.sort(compareSorted);
  return keys.map((k) => [k.key, t.get(k.key)!]);
}

/**
 * The text being written: one string grown by `+=` (V8 ropes), several times faster than pushing
 * a host record's hundreds of thousands of small pieces to an array and joining them.
 */
interface Out {
  s: string;
}

function writeValue(v: unknown, out: Out, depth: number, seen: Set<LuaTable>): void {
  switch (typeof v) {
    case 'string':
      out.s += quoteLuaString(v);
      return;
    case 'number':
      out.s += formatLuaNumber(v);
      return;
    case 'boolean':
      out.s += v ? 'true' : 'false';
      return;
    default:
      if (v instanceof LuaBytes) {
        out.s += quoteLuaString(v);
        return;
      }
      if (v instanceof Map) {
        writeTable(v as LuaTable, out, depth + 1, seen);
        return;
      }
      throw new TypeError(`cannot serialize a value of type ${v === null ? 'null' : typeof v}`);
  }
}

/** serialize_table (util/serialization.lua lines 130-215) with sorted keys. */
function writeTable(t: LuaTable, out: Out, depth: number, seen: Set<LuaTable>): void {
  if (seen.has(t)) throw new TypeError('cannot serialize a table that is reached twice (Prosody refuses it too)');
  if (depth > MAX_TABLE_DEPTH) throw new TypeError(`cannot serialize tables nested deeper than ${MAX_TABLE_DEPTH} levels`);
  seen.add(t);
  if (t.size === 0) {
    out.s += '{}';
    return;
  }
  out.s += '{';
  const indent = '\t'.repeat(depth);
  let numkey = 1;
  for (const [k, v] of sortedEntries(t)) {
    out.s += '\n' + indent;
    if (k === numkey) {
      numkey++;
    } else {
      out.s += '[';
      writeValue(k, out, depth, seen);
      out.s += '] = ';
    }
    writeValue(v, out, depth, seen);
    out.s += ';';
  }
  // The last itemsep ";" is replaced by itemlast ";\n", then the parent's indentation and "}".
  out.s += '\n' + '\t'.repeat(depth - 1) + '}';
}

/** One Lua value (a table in the indented layout) as util.serialization writes it. */
export function serializeLuaValue(value: LuaValue): string {
  const out: Out = { s: '' };
  writeValue(value, out, 0, new Set());
  return out.s;
}

/**
 * The complete `.dat` file for a table: `return ` + table + `;\n` (util/datamanager.lua line 207).
 * The result is pure ASCII.
 */
export function serializeLuaReturnChunk(value: LuaTable): Buffer {
  if (!(value instanceof Map)) throw new TypeError('a .dat file must hold a table');
  return Buffer.from(`return ${serializeLuaValue(value)};\n`, 'latin1');
}
