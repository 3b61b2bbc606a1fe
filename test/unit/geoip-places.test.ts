import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Reader, type CityResponse } from 'maxmind';
import { MmdbPlaces, readMetadata } from '../../src/geoip/mmdb-places.js';
import { ipv4Bytes } from '../../src/geoip/ip-address.js';
import { PagedFile } from '../../src/geoip/paged-file.js';
import { GeoIpDatabase } from '../../src/geoip/geoip-database.js';
import { GeoIpError } from '../../src/errors.js';
import { tempDir } from '../helpers/tree.js';
import { ROOT } from '../helpers/paths.js';

/**
 * Our lean field reader against `maxmind`'s full decoder (an independent implementation of the
 * format): the same three fields for every address tried, in both the test database and, when the
 * dev dependency is installed, the real GeoLite2-City.
 */
function expectedPlace(reader: Reader<CityResponse>, ip: string) {
  const r = reader.get(ip);
  if (!r) return null;
  return { country: r.country?.iso_code, subdivision: r.subdivisions?.[0]?.iso_code, city: r.city?.geoname_id };
}

function compare(path: string, addresses: Iterable<string>): number {
  const bytes = readFileSync(path);
  const reader = new Reader<CityResponse>(bytes);
  const meta = readMetadata(bytes.subarray(Math.max(0, bytes.length - 128 * 1024)));
  const want = reader.metadata;
  assert.deepEqual(
    [meta.nodeCount, meta.recordSize, meta.ipVersion, meta.searchTreeSize, meta.databaseType, meta.buildEpoch.getTime()],
    [want.nodeCount, want.recordSize, want.ipVersion, want.searchTreeSize, want.databaseType, want.buildEpoch.getTime()],
  );
  const whole = new MmdbPlaces(bytes, meta);
  // The same file read on demand, as the CLI reads it: every block a lookup reaches must be read first.
  const fd = openSync(path, 'r');
  const paged = new MmdbPlaces(new PagedFile(fd, bytes.length, (err) => err as Error), meta);
  let found = 0;
  try {
    for (const ip of addresses) {
      const want = expectedPlace(reader, ip);
      for (const ours of [whole, paged]) {
        const got = ours.locate(ip);
        assert.deepEqual(got === null ? null : { country: got.country, subdivision: got.subdivision, city: got.city }, want, ip);
      }
      if (want !== null) found++;
    }
  } finally {
    closeSync(fd);
  }
  return found;
}

/** Deterministic pseudo-random addresses (a fixed LCG), IPv4 and IPv6 in several spellings. */
function* addresses(count: number): Generator<string> {
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < count; i++) {
    const a = next();
    yield `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    const g = Array.from({ length: 8 }, () => (next() & 0xffff).toString(16));
    g[0] = ['2001', '2a02', '2600', '2804', '2409', '2c0f'][next() % 6]!;
    yield g.join(':');
    yield `${g[0]}:${g[1]}::${g[7]}`;
    yield `::ffff:${a >>> 24}.${(a >>> 16) & 255}.1.2`;
  }
}

const TEST_DB = join(ROOT, 'fixtures/prosody-0.12-p1/test-GeoIP2-City.mmdb');

test('test database: the fields maxmind decodes, for its networks and random addresses', () => {
  // Its networks (fixtures/prosody-0.12-p1/README.md): 127.0.N.x, in the spellings a log may use.
  const known = ['::1', '127.0.0.1', '::ffff:127.0.0.1'];
  for (let n = 1; n <= 9; n++) known.push(`127.0.${n}.10`, `::ffff:127.0.${n}.10`, `::ffff:7f00:${n.toString(16).padStart(2, '0')}0a`, `0:0:0:0:0:ffff:127.0.${n}.99`);
  const found = compare(TEST_DB, [...known, ...addresses(2000)]);
  assert.ok(found >= 5, `only ${found} addresses had a record: the comparison proves little`);
});

test('garbage and non-addresses have no place', () => {
  const bytes = readFileSync(TEST_DB);
  const ours = new MmdbPlaces(bytes, new Reader<CityResponse>(bytes).metadata);
  for (const s of ['', 'hidden_by_ejabberd', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4 ', 'fe80::1::2', 'example.org']) assert.equal(ours.locate(s), null, s);
});

function realCityDb(): string | null {
  try {
    const path = (createRequire(join(ROOT, 'package.json'))('geoip-database') as { city: string }).city;
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

test('real GeoLite2-City (geoip-database dev dependency): the fields maxmind decodes', (t) => {
  const path = realCityDb();
  if (path === null) return t.skip('geoip-database is not installed');
  const found = compare(path, addresses(5000));
  assert.ok(found > 5000, `only ${found} of 20000 addresses had a record`);
});

test('a file that is not a MaxMind DB has no metadata', () => {
  assert.throws(() => readMetadata(Buffer.from('return {};\n')), /no MaxMind DB metadata marker/);
  const bytes = readFileSync(TEST_DB);
  assert.throws(() => readMetadata(bytes.subarray(0, bytes.length - 200)), Error); // cut inside the metadata
});

test('fuzz: the IPv4 fast path accepts exactly what net.isIPv4 accepts, with the same octets', async () => {
  const fc = (await import('fast-check')).default;
  const { isIPv4 } = await import('node:net');
  const { checkProperty } = await import('../helpers/fuzz.js');
  const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{1,4}$/));
  const text = fc.oneof(
    fc.array(octet, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
    fc.string({ unit: fc.constantFrom('0', '1', '9', '2', '5', '.', ':', 'a', ' ', '-'), maxLength: 16 }),
  );
  checkProperty(
    fc.property(text, (s) => {
      const got = ipv4Bytes(s);
      assert.equal(got !== null, isIPv4(s), s);
      if (got !== null) assert.deepEqual([...got], s.split('.').map(Number), s);
    }),
    20000,
  );
  for (const bad of ['01.2.3.4', '1.2.3', '1.2.3.4.', '.1.2.3.4', '256.1.1.1', '1..2.3', ' 1.2.3.4']) assert.equal(ipv4Bytes(bad), null, bad);
  assert.deepEqual([...ipv4Bytes('0.10.200.255')!], [0, 10, 200, 255]);
});

test('a cron run locating a few addresses reads a few hundred KiB of a 60 MB City database, not all of it', (t) => {
  const path = realCityDb();
  if (path === null) return t.skip('geoip-database is not installed');
  const bytes = readFileSync(path);
  const meta = readMetadata(bytes.subarray(bytes.length - 128 * 1024));
  const fd = openSync(path, 'r');
  try {
    const file = new PagedFile(fd, bytes.length, (err) => err as Error);
    const places = new MmdbPlaces(file, meta);
    const reader = new Reader<CityResponse>(bytes);
    for (const ip of ['81.2.69.142', '2a02:8109::1', '89.160.20.112', '175.16.199.1', '::ffff:81.2.69.160', '203.0.113.9']) {
      const got = places.locate(ip.startsWith('::ffff:') ? ip.slice(7) : ip);
      assert.deepEqual(got === null ? null : { country: got.country, subdivision: got.subdivision, city: got.city }, expectedPlace(reader, ip.startsWith('::ffff:') ? ip.slice(7) : ip), ip);
    }
    assert.ok(file.bytesRead > 0 && file.bytesRead < 2 * 1048576, `read ${file.bytesRead} of ${bytes.length} bytes`);
  } finally {
    closeSync(fd);
  }
});

test('a database that shrinks under a run stops it with a GeoIpError naming the file, not "unknown place"', () => {
  const dir = tempDir();
  const path = join(dir, 'city.mmdb');
  copyFileSync(TEST_DB, path);
  const db = GeoIpDatabase.open(path);
  truncateSync(path, 1000); // rewritten in place, not replaced by rename
  assert.throws(() => db.locate('127.0.1.10'), (err: unknown) => err instanceof GeoIpError && err.message.startsWith(`${path}: cannot read the GeoIP database`));
  db.close();
});
