/** Lua 5.4 numerals (`llex.c` read_numeral, `lobject.c` luaO_str2num): scanning and their values. */
import { isAlpha, isHexDigit, shorten } from './chars.js';
import type { Cursor } from './cursor.js';

export interface Numeral {
  /** The numeral's text. */
  text: string;
  value: number;
  /** Whether Lua reads it as an integer. */
  isInt: boolean;
}

/** Reads a numeral starting at pos (no sign: a `-` is an operator). */
export function scanNumeral(c: Cursor): Numeral {
  const line = c.line;
  const start = c.pos;
  let expo1 = 0x65; // e
  let expo2 = 0x45; // E
  if (c.cur() === 0x30 && (c.peekAt(1) === 0x78 || c.peekAt(1) === 0x58)) {
    c.pos += 2;
    expo1 = 0x70; // p
    expo2 = 0x50; // P
  }
  // llex.c read_numeral: hex digits and '.', an exponent mark optionally followed by a sign.
  for (;;) {
    const ch = c.cur();
    if (ch === expo1 || ch === expo2) {
      c.pos++;
      const s = c.cur();
      if (s === 0x2b || s === 0x2d) c.pos++;
    } else if (isHexDigit(ch) || ch === 0x2e) {
      c.pos++;
    } else break;
  }
  if (isAlpha(c.cur())) c.pos++; // a numeral touching a letter: force the error below
  const text = c.src.toString('latin1', start, c.pos);
  const parsed = luaStr2Number(text);
  if (parsed === undefined) c.fail(line, `malformed number '${shorten(text)}'`);
  return { text, value: parsed.value, isInt: parsed.isInt };
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
