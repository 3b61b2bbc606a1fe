/**
 * A reader for Lua *data*: the `return <table>;` chunks that Prosody's `util.datamanager` writes
 * (`internal` storage, `.dat` files). It is a real lexer and recursive-descent parser for the data
 * subset of Lua 5.4's grammar — never `eval`, never a regex over the whole file. Anything that is
 * code (calls, identifiers used as values, operators, statements after the `return`) is rejected
 * with a one-line `StoreFormatError`: `<file>: line <n>: <problem>`.
 *
 * Accepted, exactly as Lua 5.4's `llex.c` / `lparser.c` read it:
 * - whitespace (space, \t, \n, \r, \f, \v); newlines \n, \r, \r\n and \n\r each count as one line;
 * - comments: `--` to end of line, long comments `--[[ ... ]]`, `--[==[ ... ]==]`;
 * - a chunk: any number of empty statements `;`, then `return` [exp {`,` exp}] [`;`], then end
 *   of file. Like `util.datamanager` (which keeps `pcall`'s first result), the first returned value
 *   is the result; further values are parsed (they must be data too) and dropped. `return` with no
 *   value, or `return nil`, gives `undefined` (datamanager treats that as "no data").
 *   Like Lua's `load` with a reader function (which `envloadfile` uses: `load(fh:lines(2048),
 *   "@"..file, nil, env)`, util/envload.lua 0.12.3 lines 34-40), a UTF-8 BOM or a `#` first line is
 *   NOT skipped (only `luaL_loadfile` skips them): it is an error, as it would be for Prosody.
 * - table constructors `{ [exp] = exp; name = exp, exp, ... }` with `,` or `;` separators and an
 *   optional trailing separator; positional entries get the keys 1..n in order; a nil value means
 *   the key is absent; a later duplicate key overwrites an earlier one. Positional entries are
 *   stored the way Lua's SETLIST does: buffered and flushed after every 50 (LFIELDS_PER_FLUSH)
 *   and at the closing brace, so `{[1] = "a", "b"}` and `{"b", [1] = "a"}` both give 1 → "b".
 * - strings in `"` or `'` with every Lua 5.4 escape: \a \b \f \n \r \t \v \\ \" \' \<newline>
 *   \ddd (1-3 decimal digits, ≤ 255) \xXX (exactly 2 hex digits) \z (skips following whitespace)
 *   \u{X...} (≤ 7FFFFFFF, encoded as Lua does, i.e. extended UTF-8 up to 6 bytes, surrogates
 *   allowed); long brackets `[[...]]`, `[==[...]==]` (a first newline is skipped and every newline
 *   sequence inside is read as "\n", as Lua does);
 * - numerals: decimal integers, decimal floats with exponents, hexadecimal integers (wrapping modulo
 *   2^64 like Lua) and hexadecimal floats (`0x1.8p3`); a `-` before a numeral negates it;
 * - `true`, `false`, `nil`;
 * - the three non-finite forms Prosody's serializer writes, `(1/0)`, `(-1/0)` and `(0/0)`
 *   (util/serialization.lua 0.12.3 lines 242-247) — and no other parenthesised expression.
 *
 * ## How Lua values are represented in JS
 * - Lua strings are byte strings. A Lua string whose bytes are valid UTF-8 (strictly: no overlong
 *   forms, no surrogates, nothing above U+10FFFF) is a normal JS `string` (a BOM is kept as U+FEFF).
 *   Any other byte string is a {@link LuaBytes}. The mapping is one-to-one (`luaStringFromBytes` is
 *   the only way to make a `LuaBytes`, and it never makes one for valid UTF-8), and `LuaBytes`
 *   instances are interned, so the same bytes are always the same object: they work as `Map` keys.
 * - Numbers are JS numbers. Lua integers beyond ±2^53 lose precision; integer and float are not
 *   distinguished (the writer writes every integral value below 2^63 as an integer, as a Lua
 *   integer would be written). `-0` and `-0.0` read as -0.
 * - Booleans are booleans; nil is "absent" (`undefined` only as a chunk result).
 * - Tables are `LuaTable = Map<LuaKey, LuaValue>` in source order (the writer sorts). Keys are
 *   strings, numbers (never NaN), booleans or `LuaBytes`; table keys are not supported.
 */
import { isUtf8 } from 'node:buffer';
import { StoreFormatError } from '../../errors.js';

/** Deepest table nesting accepted by the reader and produced by the writer (the top table is 1). */
export const MAX_TABLE_DEPTH = 100;

/** A Lua key: what a `LuaTable` may be indexed by. */
export type LuaKey = string | number | boolean | LuaBytes;
/** A Lua value other than nil. */
export type LuaValue = string | number | boolean | LuaBytes | LuaTable;
/** A Lua table: entries in source order; see the module comment. */
export type LuaTable = Map<LuaKey, LuaValue>;

const interned = new Map<string, WeakRef<LuaBytes>>();
const internRegistry = new FinalizationRegistry<string>((binary) => {
  const ref = interned.get(binary);
  if (ref !== undefined && ref.deref() === undefined) interned.delete(binary);
});

/** Makes (or finds) the interned `LuaBytes`; module-private so every `LuaBytes` is non-UTF-8. */
let internLuaBytes: (binary: string) => LuaBytes;

/**
 * A Lua string whose bytes are not valid UTF-8. Immutable and interned: two `LuaBytes` with the
 * same bytes are the same object. Make one with {@link luaStringFromBytes}.
 */
export class LuaBytes {
  /** The bytes as a "binary" JS string: one char (U+0000..U+00FF) per byte. */
  readonly binary: string;

  private constructor(binary: string) {
    this.binary = binary;
  }

  static {
    internLuaBytes = (binary: string): LuaBytes => {
      const existing = interned.get(binary)?.deref();
      if (existing !== undefined) return existing;
      const made = new LuaBytes(binary);
      interned.set(binary, new WeakRef(made));
      internRegistry.register(made, binary);
      return made;
    };
  }

  get length(): number {
    return this.binary.length;
  }

  /** A fresh copy of the bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.binary, 'latin1');
  }

  /** For messages: the bytes with non-printable ones as `\xNN`. */
  toString(): string {
    return this.binary.replace(/[^\x20-\x7e]|\\/g, (c) =>
      c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
  }
}

/** The canonical JS form of a Lua string with these bytes: a `string` if valid UTF-8, else `LuaBytes`. */
export function luaStringFromBytes(bytes: Uint8Array): string | LuaBytes {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  return internLuaBytes(buf.toString('latin1'));
}

/** Matches a UTF-16 surrogate that is not part of a pair (such a string has no UTF-8 form). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True if the JS string can be encoded to UTF-8 without loss (no lone surrogates). */
export function isWellFormedString(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** The bytes of a Lua string (UTF-8 for a JS string). Throws TypeError for a lone surrogate. */
export function luaStringBytes(s: string | LuaBytes): Buffer {
  if (typeof s !== 'string') return s.toBuffer();
  if (!isWellFormedString(s)) throw new TypeError('string contains a lone UTF-16 surrogate; it has no UTF-8 form');
  return Buffer.from(s, 'utf8');
}

export function isLuaTable(v: unknown): v is LuaTable {
  return v instanceof Map;
}

export function isLuaString(v: unknown): v is string | LuaBytes {
  return typeof v === 'string' || v instanceof LuaBytes;
}

// ---------------------------------------------------------------------------------------------
// Lexer

const enum T {
  Eof,
  Name,
  Keyword,
  String,
  Number,
  Symbol,
}

interface Token {
  t: T;
  /** Name/keyword/symbol text; for numbers the numeral text. */
  text: string;
  /** String tokens: the bytes. */
  bytes?: Buffer;
  /** Number tokens: the value and whether Lua reads it as an integer. */
  num?: number;
  isInt?: boolean;
  line: number;
}

const KEYWORDS = new Set([
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'goto', 'if', 'in',
  'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
]);

const CH_NL = 0x0a;
const CH_CR = 0x0d;

function isSpace(c: number): boolean {
  // lisspace in the C locale: space, \t \n \v \f \r
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
function hexValue(c: number): number {
  return isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}
function isAlpha(c: number): boolean {
  // lislalpha: letters and '_' (ASCII only, as in Lua 5.4 without LUA_UCID)
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}
function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}

/** Describes a byte for a message without putting control bytes into the one-line message. */
function describeByte(c: number): string {
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function shorten(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

class Lexer {
  private pos = 0;
  line = 1;

  constructor(
    private readonly src: Buffer,
    private readonly fileName: string,
  ) {}

  fail(line: number, problem: string): never {
    throw new StoreFormatError(`${this.fileName}: line ${line}: ${problem}`);
  }

  private cur(): number {
    return this.pos < this.src.length ? this.src[this.pos]! : -1;
  }

  private peekAt(offset: number): number {
    const p = this.pos + offset;
    return p < this.src.length ? this.src[p]! : -1;
  }

  /** At \n or \r: skips one newline sequence (\n, \r, \n\r or \r\n) and counts the line. */
  private newline(): void {
    const old = this.src[this.pos]!;
    this.pos++;
    const c = this.cur();
    if ((c === CH_NL || c === CH_CR) && c !== old) this.pos++;
    this.line++;
  }

  next(): Token {
    for (;;) {
      const c = this.cur();
      if (c === -1) return { t: T.Eof, text: '<eof>', line: this.line };
      if (c === CH_NL || c === CH_CR) {
        this.newline();
        continue;
      }
      if (isSpace(c)) {
        this.pos++;
        continue;
      }
      if (c === 0x2d /* - */ && this.peekAt(1) === 0x2d) {
        this.skipComment();
        continue;
      }
      const line = this.line;
      if (isAlpha(c)) {
        const start = this.pos;
        while (isAlnum(this.cur())) this.pos++;
        const text = this.src.toString('latin1', start, this.pos);
        return { t: KEYWORDS.has(text) ? T.Keyword : T.Name, text, line };
      }
      if (isDigit(c) || (c === 0x2e /* . */ && isDigit(this.peekAt(1)))) return this.readNumeral();
      if (c === 0x22 /* " */ || c === 0x27 /* ' */) return this.readString(c);
      if (c === 0x5b /* [ */) {
        const level = this.longBracketLevel();
        if (level >= 0) {
          const bytes = this.readLongBracket(level, 'string', line);
          return { t: T.String, text: 'string', bytes, line };
        }
        if (this.peekAt(1) === 0x3d /* = */) this.fail(line, 'invalid long string delimiter');
        this.pos++;
        return { t: T.Symbol, text: '[', line };
      }
      return this.readSymbol(c, line);
    }
  }

  private readSymbol(c: number, line: number): Token {
    const two = this.src.toString('latin1', this.pos, Math.min(this.pos + 3, this.src.length));
    for (const sym of ['...', '..', '==', '~=', '<=', '>=', '//', '::', '<<', '>>']) {
      if (two.startsWith(sym)) {
        this.pos += sym.length;
        return { t: T.Symbol, text: sym, line };
      }
    }
    this.pos++;
    if (c >= 0x21 && c <= 0x7e) return { t: T.Symbol, text: String.fromCharCode(c), line };
    this.fail(line, `unexpected ${describeByte(c)} (only Lua data is allowed)`);
  }

  /**
   * At '[': if a long bracket `[=*[` starts here returns its level (number of '=') and leaves pos
   * unchanged; else -1.
   */
  private longBracketLevel(): number {
    let p = this.pos + 1;
    let level = 0;
    while (p < this.src.length && this.src[p] === 0x3d) {
      level++;
      p++;
    }
    return p < this.src.length && this.src[p] === 0x5b ? level : -1;
  }

  /** Reads a long bracket starting at pos (which is at the first '['), returns its content. */
  private readLongBracket(level: number, what: 'string' | 'comment', startLine: number): Buffer {
    this.pos += level + 2;
    const c0 = this.cur();
    if (c0 === CH_NL || c0 === CH_CR) this.newline(); // a first newline is skipped
    const parts: Buffer[] = [];
    let runStart = this.pos;
    for (;;) {
      const c = this.cur();
      if (c === -1) this.fail(startLine, `unfinished long ${what} (it starts here)`);
      if (c === 0x5d /* ] */) {
        let p = this.pos + 1;
        let l = 0;
        while (p < this.src.length && this.src[p] === 0x3d) {
          l++;
          p++;
        }
        if (l === level && p < this.src.length && this.src[p] === 0x5d) {
          parts.push(this.src.subarray(runStart, this.pos));
          this.pos = p + 1;
          return what === 'string' ? Buffer.concat(parts) : Buffer.alloc(0);
        }
        this.pos++;
        continue;
      }
      if (c === CH_NL || c === CH_CR) {
        // Lua saves every newline sequence inside a long string as a single "\n".
        parts.push(this.src.subarray(runStart, this.pos));
        parts.push(NEWLINE);
        this.newline();
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private skipComment(): void {
    const line = this.line;
    this.pos += 2;
    if (this.cur() === 0x5b) {
      const level = this.longBracketLevel();
      if (level >= 0) {
        this.readLongBracket(level, 'comment', line);
        return;
      }
    }
    for (let c = this.cur(); c !== -1 && c !== CH_NL && c !== CH_CR; c = this.cur()) this.pos++;
  }

  private readString(quote: number): Token {
    const line = this.line;
    this.pos++;
    const out: number[] = [];
    let runStart = this.pos;
    const chunks: Buffer[] = [];
    const flushRun = (end: number) => {
      if (end > runStart) chunks.push(this.src.subarray(runStart, end));
    };
    const flushOut = () => {
      if (out.length > 0) {
        chunks.push(Buffer.from(out));
        out.length = 0;
      }
    };
    for (;;) {
      const c = this.cur();
      if (c === quote) {
        flushRun(this.pos);
        this.pos++;
        return { t: T.String, text: 'string', bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), line };
      }
      if (c === -1 || c === CH_NL || c === CH_CR) this.fail(this.line, 'unfinished string');
      if (c !== 0x5c /* \ */) {
        this.pos++;
        continue;
      }
      flushRun(this.pos);
      const escLine = this.line;
      this.pos++; // the backslash
      const e = this.cur();
      switch (e) {
        case 0x61: out.push(0x07); this.pos++; break; // \a
        case 0x62: out.push(0x08); this.pos++; break; // \b
        case 0x66: out.push(0x0c); this.pos++; break; // \f
        case 0x6e: out.push(0x0a); this.pos++; break; // \n
        case 0x72: out.push(0x0d); this.pos++; break; // \r
        case 0x74: out.push(0x09); this.pos++; break; // \t
        case 0x76: out.push(0x0b); this.pos++; break; // \v
        case 0x5c: case 0x22: case 0x27: out.push(e); this.pos++; break; // \\ \" \'
        case CH_NL:
        case CH_CR: // backslash-newline: a newline in the string
          out.push(0x0a);
          this.newline();
          break;
        case 0x78: { // \xXX: exactly two hex digits
          const h1 = this.peekAt(1);
          const h2 = this.peekAt(2);
          if (!isHexDigit(h1) || !isHexDigit(h2)) this.fail(escLine, 'hexadecimal digit expected in \\x escape');
          out.push(hexValue(h1) * 16 + hexValue(h2));
          this.pos += 3;
          break;
        }
        case 0x7a: { // \z: skip the following whitespace, newlines included
          this.pos++;
          for (let w = this.cur(); isSpace(w); w = this.cur()) {
            if (w === CH_NL || w === CH_CR) this.newline();
            else this.pos++;
          }
          break;
        }
        case 0x75: { // \u{XXX}
          this.pos++;
          if (this.cur() !== 0x7b /* { */) this.fail(escLine, "missing '{' in \\u{xxxx}");
          this.pos++;
          if (!isHexDigit(this.cur())) this.fail(escLine, 'hexadecimal digit expected in \\u{xxxx}');
          let cp = 0;
          while (isHexDigit(this.cur())) {
            cp = cp * 16 + hexValue(this.cur());
            if (cp > 0x7fffffff) this.fail(escLine, 'UTF-8 value too large in \\u{xxxx}');
            this.pos++;
          }
          if (this.cur() !== 0x7d /* } */) this.fail(escLine, "missing '}' in \\u{xxxx}");
          this.pos++;
          pushLuaUtf8(out, cp);
          break;
        }
        case -1:
          this.fail(this.line, 'unfinished string');
        default: {
          if (!isDigit(e)) this.fail(escLine, `invalid escape sequence '\\${e >= 0x21 && e <= 0x7e ? String.fromCharCode(e) : describeByte(e)}'`);
          let v = 0;
          let n = 0;
          while (n < 3 && isDigit(this.cur())) {
            v = v * 10 + (this.cur() - 0x30);
            this.pos++;
            n++;
          }
          if (v > 255) this.fail(escLine, `decimal escape too large '\\${v}'`);
          out.push(v);
        }
      }
      flushOut();
      runStart = this.pos;
    }
  }

  private readNumeral(): Token {
    const line = this.line;
    const start = this.pos;
    let expo1 = 0x65; // e
    let expo2 = 0x45; // E
    if (this.cur() === 0x30 && (this.peekAt(1) === 0x78 || this.peekAt(1) === 0x58)) {
      this.pos += 2;
      expo1 = 0x70; // p
      expo2 = 0x50; // P
    }
    // llex.c read_numeral: hex digits and '.', an exponent mark optionally followed by a sign.
    for (;;) {
      const c = this.cur();
      if (c === expo1 || c === expo2) {
        this.pos++;
        const s = this.cur();
        if (s === 0x2b || s === 0x2d) this.pos++;
      } else if (isHexDigit(c) || c === 0x2e) {
        this.pos++;
      } else break;
    }
    if (isAlpha(this.cur())) this.pos++; // a numeral touching a letter: force the error below
    const text = this.src.toString('latin1', start, this.pos);
    const parsed = luaStr2Number(text);
    if (parsed === undefined) this.fail(line, `malformed number '${shorten(text)}'`);
    return { t: T.Number, text, num: parsed.value, isInt: parsed.isInt, line };
  }
}

const NEWLINE = Buffer.from('\n');

/** Appends Lua 5.4's (extended, up to 6 bytes) UTF-8 encoding of cp, as `luaO_utf8esc` does. */
function pushLuaUtf8(out: number[], cp: number): void {
  if (cp < 0x80) {
    out.push(cp);
    return;
  }
  const bytes: number[] = [];
  let mfb = 0x3f; // maximum that fits in the first byte
  let x = cp;
  do {
    bytes.push(0x80 | (x & 0x3f));
    x = Math.floor(x / 64);
    mfb >>= 1;
  } while (x > mfb);
  bytes.push(((~mfb << 1) & 0xff) | x);
  for (let i = bytes.length - 1; i >= 0; i--) out.push(bytes[i]!);
}

const TWO_63 = 2n ** 63n;
const DEC_INT = /^[0-9]+$/;
const DEC_FLOAT = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX_NUM = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/;

/** `luaO_str2num` for the text of one numeral (no sign): integer if Lua reads an integer. */
export function luaStr2Number(text: string): { value: number; isInt: boolean } | undefined {
  if (DEC_INT.test(text)) {
    const big = BigInt(text);
    // l_str2int: a decimal integer that overflows is read as a float instead
    if (big < TWO_63) return { value: Number(big), isInt: true };
    return { value: Number(text), isInt: false };
  }
  if (DEC_FLOAT.test(text)) return { value: Number(text), isInt: false };
  const m = HEX_NUM.exec(text);
  if (m === null) return undefined;
  const intDigits = m[1]!;
  const fracDigits = m[2];
  const exp = m[3];
  if (fracDigits === undefined && exp === undefined) {
    if (intDigits.length === 0) return undefined;
    // l_str2int: hexadecimal integers wrap around
    return { value: Number(BigInt.asIntN(64, BigInt(`0x${intDigits}`))), isInt: true };
  }
  const digits = intDigits + (fracDigits ?? '');
  if (digits.length === 0) return undefined;
  let e = (exp === undefined ? 0 : Number(exp)) - 4 * (fracDigits ?? '').length;
  if (!Number.isFinite(e)) e = exp!.startsWith('-') ? -1e9 : 1e9;
  return { value: scaleByPowerOfTwo(BigInt(`0x${digits}`), e), isInt: false };
}

/** Correctly rounded mantissa * 2^exp (the value `strtod` gives for a hex float). */
function scaleByPowerOfTwo(mantissa: bigint, exp: number): number {
  if (mantissa === 0n) return 0;
  const bits = mantissa.toString(2).length;
  if (bits + exp > 1025) return Infinity;
  if (bits + exp < -1076) return 0;
  if (exp >= 0) return Number(mantissa << BigInt(exp));
  if (bits + exp > -1021) {
    // Normal range: Number(mantissa) rounds once; dividing by a power of two is then exact.
    // Split the division so no intermediate power of two overflows.
    let v = Number(mantissa);
    let e = -exp;
    while (e > 0) {
      const step = Math.min(e, 1000);
      v /= 2 ** step;
      e -= step;
    }
    return v;
  }
  // Subnormal result: round mantissa * 2^(exp + 1074) to an integer, ties to even.
  const shift = -(exp + 1074);
  let q: bigint;
  if (shift <= 0) q = mantissa << BigInt(-shift);
  else {
    const s = BigInt(shift);
    q = mantissa >> s;
    const rem = mantissa - (q << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  return Number(q) * 2 ** -1074;
}

// ---------------------------------------------------------------------------------------------
// Parser

function describeToken(tok: Token): string {
  switch (tok.t) {
    case T.Eof:
      return 'end of file';
    case T.Name:
      return `identifier '${shorten(tok.text)}'`;
    case T.Keyword:
      return `'${tok.text}'`;
    case T.String:
      return 'string';
    case T.Number:
      return `number '${shorten(tok.text)}'`;
    case T.Symbol:
      return `'${tok.text}'`;
  }
}

/** `undefined` stands for nil. */
type Parsed = LuaValue | undefined;

/** SETLIST flushes positional entries every LFIELDS_PER_FLUSH (lopcodes.h) items. */
const LFIELDS_PER_FLUSH = 50;

class Parser {
  private tok: Token;
  private ahead: Token | undefined;

  constructor(private readonly lex: Lexer) {
    this.tok = lex.next();
  }

  private advance(): void {
    if (this.ahead !== undefined) {
      this.tok = this.ahead;
      this.ahead = undefined;
    } else {
      this.tok = this.lex.next();
    }
  }

  private peek(): Token {
    this.ahead ??= this.lex.next();
    return this.ahead;
  }

  private atEof(): boolean {
    return this.tok.t === T.Eof;
  }

  private isKeyword(text: string): boolean {
    return this.tok.t === T.Keyword && this.tok.text === text;
  }

  private isSym(text: string): boolean {
    return this.tok.t === T.Symbol && this.tok.text === text;
  }

  private unexpected(context = ''): never {
    const tok = this.tok;
    if (tok.t === T.Eof) this.lex.fail(tok.line, `unexpected end of file${context}`);
    this.lex.fail(tok.line, `unexpected ${describeToken(tok)}${context} (only Lua data is allowed)`);
  }

  chunk(): Parsed {
    while (this.isSym(';')) this.advance();
    if (!this.isKeyword('return')) {
      if (this.atEof()) this.lex.fail(this.tok.line, "no 'return' (the file holds no data)");
      this.unexpected(" (expected 'return')");
    }
    this.advance();
    let result: Parsed;
    if (!(this.atEof() || this.isSym(';'))) {
      result = this.expr(0);
      while (this.isSym(',')) {
        this.advance();
        this.expr(0);
      }
    }
    if (this.isSym(';')) this.advance();
    if (!this.atEof()) this.unexpected(' after the returned value');
    return result;
  }

  private expr(depth: number): Parsed {
    const tok = this.tok;
    switch (tok.t) {
      case T.String:
        this.advance();
        return luaStringFromBytes(tok.bytes!);
      case T.Number:
        this.advance();
        return tok.num!;
      case T.Keyword:
        if (tok.text === 'true' || tok.text === 'false') {
          this.advance();
          return tok.text === 'true';
        }
        if (tok.text === 'nil') {
          this.advance();
          return undefined;
        }
        return this.unexpected();
      case T.Symbol:
        if (tok.text === '{') return this.table(depth + 1);
        if (tok.text === '-') return this.negative();
        if (tok.text === '(') return this.nonFinite();
        return this.unexpected();
      default:
        return this.unexpected();
    }
  }

  /**
   * Unary minus applied to a numeral. As in Lua, negating the minimum integer gives itself. Unlike
   * Lua, `-0` gives JS -0 (Lua: integer 0), so that the writer's `-0` (a float -0.0, as Prosody
   * writes it) reads back as -0; -0 and 0 are the same for `===` and as `Map` keys.
   */
  private negative(): number {
    this.advance();
    const tok = this.tok;
    if (tok.t !== T.Number) this.unexpected(" after '-'");
    this.advance();
    const v = tok.num!;
    if (tok.isInt! && v === -(2 ** 63)) return v;
    return -v;
  }

  /** `(1/0)`, `(-1/0)` or `(0/0)`: how util/serialization.lua writes inf, -inf and nan. */
  private nonFinite(): number {
    const line = this.tok.line;
    this.advance();
    let num: number;
    if (this.isSym('-')) num = this.negative();
    else if (this.tok.t === T.Number) {
      num = this.tok.num!;
      this.advance();
    } else return this.unexpected(" after '('");
    if (!this.isSym('/')) return this.unexpected();
    this.advance();
    if (this.tok.t !== T.Number) return this.unexpected(" after '/'");
    const den = this.tok.num!;
    this.advance();
    if (!this.isSym(')')) return this.unexpected();
    this.advance();
    if (den === 0 && (num === 1 || num === -1 || num === 0)) return num === 0 ? NaN : num / 0;
    this.lex.fail(line, 'only (1/0), (-1/0) and (0/0) may be written in parentheses (only Lua data is allowed)');
  }

  private table(depth: number): LuaTable {
    const open = this.tok;
    if (depth > MAX_TABLE_DEPTH) this.lex.fail(open.line, `tables nested deeper than ${MAX_TABLE_DEPTH} levels`);
    this.advance();
    const t: LuaTable = new Map();
    const pending: Parsed[] = [];
    let listed = 0; // positional entries already stored
    const flush = () => {
      for (const v of pending) {
        listed++;
        if (v === undefined) t.delete(listed);
        else t.set(listed, v);
      }
      pending.length = 0;
    };
    while (!this.isSym('}')) {
      if (pending.length === LFIELDS_PER_FLUSH) flush();
      if (this.isSym('[')) {
        const keyLine = this.tok.line;
        this.advance();
        const k = this.expr(depth);
        if (!this.isSym(']')) this.unexpected(" (expected ']')");
        this.advance();
        if (!this.isSym('=')) this.unexpected(" (expected '=')");
        this.advance();
        const v = this.expr(depth);
        this.assign(t, k, v, keyLine);
      } else if (this.tok.t === T.Name && this.peek().t === T.Symbol && this.peek().text === '=') {
        const k = this.tok.text;
        this.advance();
        this.advance();
        const v = this.expr(depth);
        if (v === undefined) t.delete(k);
        else t.set(k, v);
      } else {
        if (this.tok.t === T.Eof) this.lex.fail(this.tok.line, `unexpected end of file (the table opened on line ${open.line} is not closed)`);
        pending.push(this.expr(depth));
      }
      if (this.isSym(',') || this.isSym(';')) this.advance();
      else if (!this.isSym('}')) {
        if (this.tok.t === T.Eof) this.lex.fail(this.tok.line, `unexpected end of file (the table opened on line ${open.line} is not closed)`);
        this.unexpected();
      }
    }
    this.advance();
    flush();
    return t;
  }

  private assign(t: LuaTable, k: Parsed, v: Parsed, line: number): void {
    if (k === undefined) this.lex.fail(line, 'table index is nil');
    if (typeof k === 'number' && Number.isNaN(k)) this.lex.fail(line, 'table index is NaN');
    if (isLuaTable(k)) this.lex.fail(line, 'a table as a table index is not supported');
    // Lua normalises a float key with an integral value to the integer; -0 and 0 are one JS Map key.
    const key = k === 0 ? 0 : k;
    if (v === undefined) t.delete(key);
    else t.set(key, v);
  }
}

/**
 * Parses a `.dat` chunk (`return <value>;`). A JS string is taken as the UTF-8 encoding of the
 * file's bytes. Returns the returned value, `undefined` for nil / no value.
 * @throws StoreFormatError `<fileName>: line <n>: <problem>` for anything that is not Lua data.
 */
export function parseLuaReturnChunk(text: Buffer | Uint8Array | string, fileName: string): LuaValue | undefined {
  const src = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  return new Parser(new Lexer(src, fileName)).chunk();
}

/** Like `parseLuaReturnChunk` but the value must be a table (nil gives an empty table). */
export function parseLuaTableChunk(text: Buffer | Uint8Array | string, fileName: string): LuaTable {
  const v = parseLuaReturnChunk(text, fileName);
  if (v === undefined) return new Map();
  if (!isLuaTable(v)) throw new StoreFormatError(`${fileName}: the file returns a ${luaTypeName(v)}, not a table`);
  return v;
}

/** Lua's type() name of a value (LuaBytes is a string). */
export function luaTypeName(v: LuaValue | undefined): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'string' || v instanceof LuaBytes) return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'table';
}
