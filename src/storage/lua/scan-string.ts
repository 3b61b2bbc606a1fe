/**
 * Lua 5.4 string literals (`llex.c` read_string / read_long_string): quoted strings with every
 * escape, and long brackets `[[...]]`, `[==[...]==]` (also the body of a long comment).
 */
import { CH_CR, CH_NL, describeByte, hexValue, isDigit, isHexDigit, isSpace } from './chars.js';
import type { Cursor } from './cursor.js';

const NEWLINE = Buffer.from('\n');

/**
 * At '[': if a long bracket `[=*[` starts here returns its level (number of '=') and leaves pos
 * unchanged; else -1.
 */
export function longBracketLevel(c: Cursor): number {
  let p = c.pos + 1;
  let level = 0;
  while (p < c.src.length && c.src[p] === 0x3d) {
    level++;
    p++;
  }
  return p < c.src.length && c.src[p] === 0x5b ? level : -1;
}

/** Reads a long bracket starting at pos (which is at the first '['), returns its content. */
export function scanLongBracket(c: Cursor, level: number, what: 'string' | 'comment', startLine: number): Buffer {
  c.pos += level + 2;
  const c0 = c.cur();
  if (c0 === CH_NL || c0 === CH_CR) c.newline(); // a first newline is skipped
  const parts: Buffer[] = [];
  let runStart = c.pos;
  for (;;) {
    const ch = c.cur();
    if (ch === -1) c.fail(startLine, `unfinished long ${what} (it starts here)`);
    if (ch === 0x5d /* ] */) {
      let p = c.pos + 1;
      let l = 0;
      while (p < c.src.length && c.src[p] === 0x3d) {
        l++;
        p++;
      }
      if (l === level && p < c.src.length && c.src[p] === 0x5d) {
        parts.push(c.src.subarray(runStart, c.pos));
        c.pos = p + 1;
        return what === 'string' ? Buffer.concat(parts) : Buffer.alloc(0);
      }
      c.pos++;
      continue;
    }
    if (ch === CH_NL || ch === CH_CR) {
      // Lua saves every newline sequence inside a long string as a single "\n".
      parts.push(c.src.subarray(runStart, c.pos));
      parts.push(NEWLINE);
      c.newline();
      runStart = c.pos;
      continue;
    }
    c.pos++;
  }
}

/** Reads a string in `quote` (`"` or `'`) starting at pos (at the opening quote), returns its bytes. */
export function scanQuotedString(c: Cursor, quote: number): Buffer {
  c.pos++;
  const chunks: Buffer[] = [];
  let runStart = c.pos;
  const flushRun = (end: number) => {
    if (end > runStart) chunks.push(c.src.subarray(runStart, end));
  };
  for (;;) {
    const ch = c.cur();
    if (ch === quote) {
      flushRun(c.pos);
      c.pos++;
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }
    if (ch === -1 || ch === CH_NL || ch === CH_CR) c.fail(c.line, 'unfinished string');
    if (ch !== 0x5c /* \ */) {
      c.pos++;
      continue;
    }
    flushRun(c.pos);
    const escaped = scanEscape(c);
    if (escaped.length > 0) chunks.push(Buffer.from(escaped));
    runStart = c.pos;
  }
}

/** At a backslash inside a quoted string: reads the escape sequence, returns the bytes it stands for. */
function scanEscape(c: Cursor): number[] {
  const out: number[] = [];
  const escLine = c.line;
  c.pos++; // the backslash
  const e = c.cur();
  switch (e) {
    case 0x61: out.push(0x07); c.pos++; break; // \a
    case 0x62: out.push(0x08); c.pos++; break; // \b
    case 0x66: out.push(0x0c); c.pos++; break; // \f
    case 0x6e: out.push(0x0a); c.pos++; break; // \n
    case 0x72: out.push(0x0d); c.pos++; break; // \r
    case 0x74: out.push(0x09); c.pos++; break; // \t
    case 0x76: out.push(0x0b); c.pos++; break; // \v
    case 0x5c: case 0x22: case 0x27: out.push(e); c.pos++; break; // \\ \" \'
    case CH_NL:
    case CH_CR: // backslash-newline: a newline in the string
      out.push(0x0a);
      c.newline();
      break;
    case 0x78: { // \xXX: exactly two hex digits
      const h1 = c.peekAt(1);
      const h2 = c.peekAt(2);
      if (!isHexDigit(h1) || !isHexDigit(h2)) c.fail(escLine, 'hexadecimal digit expected in \\x escape');
      out.push(hexValue(h1) * 16 + hexValue(h2));
      c.pos += 3;
      break;
    }
    case 0x7a: { // \z: skip the following whitespace, newlines included
      c.pos++;
      for (let w = c.cur(); isSpace(w); w = c.cur()) {
        if (w === CH_NL || w === CH_CR) c.newline();
        else c.pos++;
      }
      break;
    }
    case 0x75: { // \u{XXX}
      c.pos++;
      if (c.cur() !== 0x7b /* { */) c.fail(escLine, "missing '{' in \\u{xxxx}");
      c.pos++;
      if (!isHexDigit(c.cur())) c.fail(escLine, 'hexadecimal digit expected in \\u{xxxx}');
      let cp = 0;
      while (isHexDigit(c.cur())) {
        cp = cp * 16 + hexValue(c.cur());
        if (cp > 0x7fffffff) c.fail(escLine, 'UTF-8 value too large in \\u{xxxx}');
        c.pos++;
      }
      if (c.cur() !== 0x7d /* } */) c.fail(escLine, "missing '}' in \\u{xxxx}");
      c.pos++;
      pushLuaUtf8(out, cp);
      break;
    }
    case -1:
      c.fail(c.line, 'unfinished string');
    default: {
      if (!isDigit(e)) c.fail(escLine, `invalid escape sequence '\\${e >= 0x21 && e <= 0x7e ? String.fromCharCode(e) : describeByte(e)}'`);
      let v = 0;
      let n = 0;
      while (n < 3 && isDigit(c.cur())) {
        v = v * 10 + (c.cur() - 0x30);
        c.pos++;
        n++;
      }
      if (v > 255) c.fail(escLine, `decimal escape too large '\\${v}'`);
      out.push(v);
    }
  }
  return out;
}

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
