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
 * How the values are represented in JS: see lua-value.ts and lua-bytes.ts. The lexer is lexer.ts
 * (with scan-string.ts and scan-number.ts); this module is the parser and the public API.
 */
import { StoreFormatError } from '../../errors.js';
import { luaStringFromBytes } from './lua-bytes.js';
import { Lexer, T, type Token } from './lexer.js';
import { MAX_TABLE_DEPTH, isLuaTable, luaTypeName, type LuaTable, type LuaValue } from './lua-value.js';
import { shorten } from './chars.js';

export { LuaBytes, isLuaString, isWellFormedString, luaStringBytes, luaStringFromBytes } from './lua-bytes.js';
export { MAX_TABLE_DEPTH, isLuaTable, luaTypeName, type LuaKey, type LuaTable, type LuaValue } from './lua-value.js';
export { luaStr2Number } from './scan-number.js';

function describeToken(tok: Token): string {
  switch (tok.t) {
    case T.Eof:
      return 'end of file';
    case T.Name:
      return `identifier '${shorten(tok.text)}'`;
    case T.String:
      return 'string';
    case T.Number:
      return `number '${shorten(tok.text)}'`;
    case T.Keyword:
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
        if (this.tok.t === T.Eof) this.unclosedTable(open.line);
        pending.push(this.expr(depth));
      }
      if (this.isSym(',') || this.isSym(';')) this.advance();
      else if (!this.isSym('}')) {
        if (this.tok.t === T.Eof) this.unclosedTable(open.line);
        this.unexpected();
      }
    }
    this.advance();
    flush();
    return t;
  }

  private unclosedTable(openLine: number): never {
    this.lex.fail(this.tok.line, `unexpected end of file (the table opened on line ${openLine} is not closed)`);
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
