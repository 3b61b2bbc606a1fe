/**
 * Addresses as the search tree wants them: 4 or 16 bytes. A log's address is parsed once per
 * lookup, so both parsers work in one pass over the string into a shared array (valid until the
 * next call), with no `net.isIPv6`, `split` or intermediate arrays: those were a sixth of a debug
 * log's GeoIP time. They accept exactly what `net.isIPv4` / `net.isIPv6` accept (fuzzed against
 * them in test/unit/geoip-lookup-path.test.ts and geoip-places.test.ts).
 */

const IPV4 = new Uint8Array(4);
const IPV6 = new Uint8Array(16);
const GROUPS = new Uint16Array(8);

const DOT = 0x2e;
const COLON = 0x3a;

/** The 4 or 16 bytes of an IP address (IPv6 may carry a `%zone`, ignored), or null for anything that is not one. */
export function addressBytes(address: string): Uint8Array | null {
  return ipv4Bytes(address) ?? ipv6Bytes(address);
}

/** Dotted-quad IPv4 (four decimal octets, no leading zeros), or null. */
export function ipv4Bytes(s: string): Uint8Array | null {
  if (s.length < 7 || s.length > 15) return null;
  const v = ipv4At(s, 0, s.length);
  if (v < 0) return null;
  IPV4[0] = v >>> 24;
  IPV4[1] = (v >>> 16) & 0xff;
  IPV4[2] = (v >>> 8) & 0xff;
  IPV4[3] = v & 0xff;
  return IPV4;
}

/** The dotted quad `s[start, end)` as an unsigned 32-bit number, or -1. */
function ipv4At(s: string, start: number, end: number): number {
  let part = 0;
  let value = 0;
  let digits = 0;
  let out = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || part > 3) return -1;
      out = out * 256 + value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return -1; // leading zero
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return -1;
    } else return -1;
  }
  return part === 4 ? out : -1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/**
 * IPv6 in any spelling `net.isIPv6` accepts: eight groups of 1–4 hex digits, or fewer with one
 * `::` standing for at least one zero group, the last two groups possibly written as a dotted quad;
 * a `%zone` is cut off first. Null otherwise.
 */
export function ipv6Bytes(s: string): Uint8Array | null {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  let n = 0; // groups parsed (a dotted quad counts two)
  let gap = -1; // where `::` stands, in groups
  let i = 0;
  if (s.charCodeAt(0) === COLON) {
    if (s.charCodeAt(1) !== COLON) return null;
    gap = 0;
    i = 2;
  } else if (end === 0) return null;
  while (i < end) {
    let value = 0;
    let j = i;
    for (let h; j < end && (h = hexValue(s.charCodeAt(j))) >= 0; j++) {
      if (j - i === 4) return null;
      value = value * 16 + h;
    }
    if (j < end && s.charCodeAt(j) === DOT) {
      // The last token: a dotted quad for the last 32 bits.
      const v4 = n <= 6 ? ipv4At(s, i, end) : -1;
      if (v4 < 0) return null;
      GROUPS[n++] = v4 >>> 16;
      GROUPS[n++] = v4 & 0xffff;
      break;
    }
    if (j === i || n === 8) return null;
    GROUPS[n++] = value;
    if (j === end) break;
    if (s.charCodeAt(j) !== COLON || ++j === end) return null; // a single trailing `:` too
    if (s.charCodeAt(j) === COLON) {
      if (gap >= 0) return null;
      gap = n;
      j++;
    }
    i = j;
  }
  if (gap < 0 ? n !== 8 : n > 7) return null;
  const tail = gap < 0 ? 0 : n - gap; // groups after `::`, written at the end
  IPV6.fill(0);
  for (let g = 0; g < n; g++) {
    const at = g < n - tail ? g : 8 - n + g;
    IPV6[at * 2] = GROUPS[g]! >>> 8;
    IPV6[at * 2 + 1] = GROUPS[g]! & 0xff;
  }
  return IPV6;
}

/** True when `s` begins with `::ffff:` in any case (an IPv4-mapped IPv6 address, or garbage). */
export function startsIpv4Mapped(s: string): boolean {
  if (s.length < 7 || s.charCodeAt(0) !== COLON || s.charCodeAt(1) !== COLON || s.charCodeAt(6) !== COLON) return false;
  for (let i = 2; i < 6; i++) if ((s.charCodeAt(i) | 0x20) !== 0x66) return false;
  return true;
}
