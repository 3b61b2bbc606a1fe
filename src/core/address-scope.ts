import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Addresses that never belong to a user on the internet: a web client's session that has only one
 * of these has the reverse proxy's address (or a client on the server's own network), not a place.
 */
const NON_ROUTABLE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.168.0.0', 16], // RFC 1918
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
] as const) {
  NON_ROUTABLE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
  ['2001:db8::', 32], // documentation
] as const) {
  NON_ROUTABLE.addSubnet(net, bits, 'ipv6');
}

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** True for an address a user on the internet can have; false for a non-routable one or for what is no address at all. */
export function isRoutableAddress(address: string): boolean {
  const mapped = MAPPED.exec(address);
  const ip = mapped ? mapped[1]! : address;
  if (isIPv4(ip)) return !NON_ROUTABLE.check(ip, 'ipv4');
  const zone = ip.indexOf('%');
  const bare = zone >= 0 ? ip.slice(0, zone) : ip;
  return isIPv6(bare) && !NON_ROUTABLE.check(bare, 'ipv6');
}
