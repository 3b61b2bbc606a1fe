import { isIPv6 } from 'node:net';

/** The 4 or 16 bytes of an IP address, or null for anything that is not one. */
export function addressBytes(address: string): Uint8Array | null {
  const v4 = ipv4Bytes(address);
  if (v4 !== null) return v4;
  const zone = address.indexOf('%');
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  if (!isIPv6(bare)) return null;
  const out = new Uint8Array(16);
  let text = bare;
  const dot = text.indexOf('.');
  if (dot >= 0) {
    // `::ffff:1.2.3.4`: the last 32 bits written as IPv4.
    const lastColon = text.lastIndexOf(':');
    const v4 = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [left, right] = text.split('::', 2) as [string, string | undefined];
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? head : [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i]!, 16);
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  }
  return out;
}

const IPV4 = new Uint8Array(4);

/**
 * Dotted-quad IPv4 (what `net.isIPv4` accepts: four decimal octets, no leading zeros), parsed in
 * one pass into a shared array: a log line's address is looked up once per new address, and
 * `isIPv4` + `split` + `Uint8Array.from` was a tenth of a debug log's GeoIP time. Null otherwise.
 */
export function ipv4Bytes(s: string): Uint8Array | null {
  if (s.length < 7 || s.length > 15) return null;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return null;
      IPV4[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return null; // leading zero
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return null;
    } else return null;
  }
  return part === 4 ? IPV4 : null;
}
