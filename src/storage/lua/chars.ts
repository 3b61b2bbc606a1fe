/** Byte classes of Lua 5.4's lexer (`lctype.h` in the C locale) and byte descriptions for messages. */

export const CH_NL = 0x0a;
export const CH_CR = 0x0d;

export function isSpace(c: number): boolean {
  // lisspace in the C locale: space, \t \n \v \f \r
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
export function hexValue(c: number): number {
  return isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}
export function isAlpha(c: number): boolean {
  // lislalpha: letters and '_' (ASCII only, as in Lua 5.4 without LUA_UCID)
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}
export function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}

/** Describes a byte for a message without putting control bytes into the one-line message. */
export function describeByte(c: number): string {
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

export function shorten(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
