/** Tokens of Lua 5.4 source (`llex.c`), as far as a data chunk needs them; everything else is an error. */
import { CH_CR, CH_NL, describeByte, isAlnum, isAlpha, isDigit, isSpace } from './chars.js';
import { Cursor } from './cursor.js';
import { scanNumeral } from './scan-number.js';
import { longBracketLevel, scanLongBracket, scanQuotedString } from './scan-string.js';

export const enum T {
  Eof,
  Name,
  Keyword,
  String,
  Number,
  Symbol,
}

export interface Token {
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

/** Multi-byte symbols, longest first. */
const SYMBOLS = ['...', '..', '==', '~=', '<=', '>=', '//', '::', '<<', '>>'];

export class Lexer extends Cursor {
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
      if (isDigit(c) || (c === 0x2e /* . */ && isDigit(this.peekAt(1)))) {
        const n = scanNumeral(this);
        return { t: T.Number, text: n.text, num: n.value, isInt: n.isInt, line };
      }
      if (c === 0x22 /* " */ || c === 0x27 /* ' */) return { t: T.String, text: 'string', bytes: scanQuotedString(this, c), line };
      if (c === 0x5b /* [ */) {
        const level = longBracketLevel(this);
        if (level >= 0) {
          const bytes = scanLongBracket(this, level, 'string', line);
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
    for (const sym of SYMBOLS) {
      if (two.startsWith(sym)) {
        this.pos += sym.length;
        return { t: T.Symbol, text: sym, line };
      }
    }
    this.pos++;
    if (c >= 0x21 && c <= 0x7e) return { t: T.Symbol, text: String.fromCharCode(c), line };
    this.fail(line, `unexpected ${describeByte(c)} (only Lua data is allowed)`);
  }

  private skipComment(): void {
    const line = this.line;
    this.pos += 2;
    if (this.cur() === 0x5b) {
      const level = longBracketLevel(this);
      if (level >= 0) {
        scanLongBracket(this, level, 'comment', line);
        return;
      }
    }
    for (let c = this.cur(); c !== -1 && c !== CH_NL && c !== CH_CR; c = this.cur()) this.pos++;
  }
}
