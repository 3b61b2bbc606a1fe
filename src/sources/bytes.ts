/** Byte-level helpers for the hot path: compare and decode only what a line turns out to need. */

/** Does `buf[pos…end)` start with `prefix`? */
export function startsWithAt(buf: Buffer, pos: number, end: number, prefix: Uint8Array): boolean {
  const n = prefix.length;
  if (end - pos < n) return false;
  for (let i = 0; i < n; i++) if (buf[pos + i] !== prefix[i]) return false;
  return true;
}

/**
 * First `byte` in `buf[from…end)`, or -1. A plain loop: for the few bytes to the next field of a
 * line it is several times cheaper than `Buffer#indexOf`, whose call costs more than the scan.
 */
export function indexOfByte(buf: Buffer, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === byte) return i;
  return -1;
}

/** First `a` followed by `b` in `buf[from…end)` (e.g. `) `), or -1; bounded by the line, unlike `indexOf`. */
export function indexOfPair(buf: Buffer, a: number, b: number, from: number, end: number): number {
  for (let i = from; i + 1 < end; i++) if (buf[i] === a && buf[i + 1] === b) return i;
  return -1;
}

/** Where the last `needle` begins in `buf[start…end)`, or -1. */
export function lastIndexOfBytes(buf: Buffer, needle: Uint8Array, start: number, end: number): number {
  for (let p = end - needle.length; p >= start; p--) if (startsWithAt(buf, p, end, needle)) return p;
  return -1;
}

/** ASCII bytes of a literal, for `startsWithAt`. */
export function ascii(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

/** Two or more decimal digits at `pos`; a leading space counts as 0 (syslog's `%e`); NaN if not digits. */
export function digitsAt(buf: Buffer, pos: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const c = buf[pos + i];
    if (c >= 0x30 && c <= 0x39) value = value * 10 + (c - 0x30);
    else if (c === 0x20 && i === 0) continue;
    else return NaN;
  }
  return value;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_BY_KEY = new Map(MONTHS.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i + 1]));

/** 1-12 for an English month abbreviation (`%b` in the C locale) at `pos`, or 0. */
export function monthAbbrevAt(buf: Buffer, pos: number): number {
  return MONTH_BY_KEY.get((buf[pos] << 16) | (buf[pos + 1] << 8) | buf[pos + 2]) ?? 0;
}

export const TAB = 0x09;
export const SPACE = 0x20;

/**
 * Remembers the first `length` bytes of a line (a timestamp up to the minute), so a line filter
 * keeps one line per minute: `same` compares a line's with them, `remember` takes a line's.
 */
export class PrefixWatch {
  private readonly last: Uint8Array;
  private seen = false;

  constructor(private readonly length: number) {
    this.last = new Uint8Array(length);
  }

  same(buf: Buffer, start: number): boolean {
    if (!this.seen) return false;
    for (let i = 0; i < this.length; i++) if (buf[start + i] !== this.last[i]) return false;
    return true;
  }

  remember(buf: Buffer, start: number): void {
    for (let i = 0; i < this.length; i++) this.last[i] = buf[start + i];
    this.seen = true;
  }

  /** Remembers the line's bytes; true when they differ from the last ones. */
  changed(buf: Buffer, start: number): boolean {
    if (this.same(buf, start)) return false;
    this.remember(buf, start);
    return true;
  }
}

/** A copy of a few bytes of a line (an id, an address), to compare later lines' bytes with or to read later, without a string meanwhile. */
export class HeldBytes {
  private bytes = Buffer.alloc(32);
  private length = 0;

  hold(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n > this.bytes.length) this.bytes = Buffer.alloc(Math.max(n, this.bytes.length * 2));
    for (let i = 0; i < n; i++) this.bytes[i] = buf[start + i];
    this.length = n;
  }

  equals(buf: Buffer, start: number, end: number): boolean {
    if (end - start !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (buf[start + i] !== this.bytes[i]) return false;
    return true;
  }

  latin1(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }
}

/** The bytes that `String#trim` removes from latin1 text: tab, line feed, vertical tab, form feed, carriage return, space, no-break space. */
export function isTrimmedByte(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0;
}
