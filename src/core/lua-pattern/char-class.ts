/**
 * Character classes of Lua patterns, byte-based and in the C locale (ASCII only), ported from
 * lstrlib.c `match_class` and `matchbracketclass` of Lua 5.4.
 *
 * The matcher never walks set syntax at match time: `compile.ts` turns every single-character
 * item (`.`, `%a`, `[...]`, a literal byte) into a 256-entry membership table built with the
 * functions below, which follow the C code byte for byte (including its quirks, e.g. `[a-]`,
 * `[%a-z]`, `]` as the first member of a set).
 */

const ALPHA = 1;
const DIGIT = 2;
const LOWER = 4;
const UPPER = 8;
const SPACE = 16;
const CNTRL = 32;
const PUNCT = 64;
const XDIGIT = 128;

/** ctype bits of every byte as the C library sees them in the "C" locale. */
const CTYPE = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    let bits = 0;
    const upper = c >= 0x41 && c <= 0x5a;
    const lower = c >= 0x61 && c <= 0x7a;
    const digit = c >= 0x30 && c <= 0x39;
    if (upper) bits |= UPPER | ALPHA;
    if (lower) bits |= LOWER | ALPHA;
    if (digit) bits |= DIGIT;
    if (digit || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)) bits |= XDIGIT;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) bits |= SPACE;
    if (c < 0x20 || c === 0x7f) bits |= CNTRL;
    // ispunct: isgraph (0x21..0x7e) and not isalnum
    if (c >= 0x21 && c <= 0x7e && !upper && !lower && !digit) bits |= PUNCT;
    t[c] = bits;
  }
  return t;
})();

const L_ESC = 0x25; // '%'

/** C `islower`, used on the class letter itself. */
function isLowerByte(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

/** lstrlib.c `match_class(c, cl)`: does byte `c` belong to class `%cl`? */
export function matchClass(c: number, cl: number): boolean {
  const bits = CTYPE[c]!;
  let res: boolean;
  // C: switch (tolower(cl)); tolower only changes 'A'..'Z'.
  switch (cl >= 0x41 && cl <= 0x5a ? cl + 0x20 : cl) {
    case 0x61: res = (bits & ALPHA) !== 0; break; // a
    case 0x63: res = (bits & CNTRL) !== 0; break; // c
    case 0x64: res = (bits & DIGIT) !== 0; break; // d
    case 0x67: res = (bits & (ALPHA | DIGIT | PUNCT)) !== 0; break; // g (isgraph)
    case 0x6c: res = (bits & LOWER) !== 0; break; // l
    case 0x70: res = (bits & PUNCT) !== 0; break; // p
    case 0x73: res = (bits & SPACE) !== 0; break; // s
    case 0x75: res = (bits & UPPER) !== 0; break; // u
    case 0x77: res = (bits & (ALPHA | DIGIT)) !== 0; break; // w
    case 0x78: res = (bits & XDIGIT) !== 0; break; // x
    case 0x7a: res = c === 0; break; // z (deprecated, still supported by 5.4)
    default: return cl === c; // '%' followed by a non-letter: the byte itself
  }
  return isLowerByte(cl) ? res : !res;
}

/**
 * lstrlib.c `matchbracketclass(c, p, ec)`: `p` is the index of the `[`, `ec` the index of the
 * closing `]` (as returned by classEnd minus one). Bytes beyond the pattern read as NUL, like
 * the C string terminator.
 */
export function matchBracketClass(c: number, pat: Uint8Array, p: number, ec: number): boolean {
  let sig = true;
  if (byteAt(pat, p + 1) === 0x5e /* ^ */) {
    sig = false;
    p++;
  }
  while (++p < ec) {
    const pc = pat[p]!;
    if (pc === L_ESC) {
      p++;
      if (matchClass(c, byteAt(pat, p))) return sig;
    } else if (byteAt(pat, p + 1) === 0x2d /* - */ && p + 2 < ec) {
      p += 2;
      if (pc <= c && c <= pat[p]!) return sig;
    } else if (pc === c) {
      return sig;
    }
  }
  return !sig;
}

/** Byte `i` of the pattern, or 0 past its end (the C string's terminating NUL). */
export function byteAt(pat: Uint8Array, i: number): number {
  return i < pat.length ? pat[i]! : 0;
}

/**
 * Membership table (1 = matches) of the single-character item that starts at `p` and whose class
 * ends at `ep` (exclusive, as returned by classEnd): lstrlib.c `singlematch` for every byte.
 */
export function singleItemTable(pat: Uint8Array, p: number, ep: number): Uint8Array {
  const table = new Uint8Array(256);
  const first = pat[p]!;
  for (let c = 0; c < 256; c++) {
    let ok: boolean;
    switch (first) {
      case 0x2e: ok = true; break; // '.'
      case L_ESC: ok = matchClass(c, byteAt(pat, p + 1)); break;
      case 0x5b: ok = matchBracketClass(c, pat, p, ep - 1); break; // '['
      default: ok = first === c;
    }
    table[c] = ok ? 1 : 0;
  }
  return table;
}

/** Membership table of a bracket class `[...]` starting at `p` and ending before `ep`. */
export function bracketTable(pat: Uint8Array, p: number, ep: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = matchBracketClass(c, pat, p, ep - 1) ? 1 : 0;
  return table;
}
