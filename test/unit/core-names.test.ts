import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeName, normalizeResource } from '../../src/core/normalize.js';
import { geoKey } from '../../src/core/geo-key.js';
import { CountryFilter } from '../../src/core/country-filter.js';
import { parseRecordCountry, parseClientPattern, parseYear } from '../../src/config/parse-options.js';
import { ConfigError, PatternError, UsageError } from '../../src/errors.js';

test('names: case-folded and NFKC; resources: NFKC only', () => {
  assert.equal(normalizeName('Alice'), 'alice');
  assert.equal(normalizeName('Example.COM'), 'example.com');
  assert.equal(normalizeName('ÉMILE'), 'émile');
  assert.equal(normalizeName('e\u0301mile'), 'émile'); // combining accent composed
  assert.equal(normalizeName('ＡＬＩＣＥ'), 'alice'); // fullwidth
  assert.equal(normalizeResource('ｚｏｍ7'), 'zom7');
  assert.equal(normalizeResource('Zom-Büro Telefon'), 'Zom-Büro Telefon');
  assert.equal(normalizeResource('Phone'), 'Phone');
});

test('geo key: ?-parts, and ?-?-? without a record', () => {
  assert.equal(geoKey({ country: 'DE', subdivision: 'HE', city: 2925533 }), 'DE-HE-2925533');
  assert.equal(geoKey({ country: 'FR', subdivision: 'IDF' }), 'FR-IDF-?');
  assert.equal(geoKey({ country: 'CN' }), 'CN-?-?');
  assert.equal(geoKey({}), '?-?-?');
  assert.equal(geoKey(null), '?-?-?');
});

test('--record-country: ALL, a code, a list; anything else is a config error', () => {
  assert.equal(parseRecordCountry('ALL'), CountryFilter.ALL);
  assert.ok(parseRecordCountry('de').passes('DE'));
  const list = parseRecordCountry('DE, at,CH');
  assert.ok(list.passes('AT') && list.passes('CH') && !list.passes('FR') && !list.passes(undefined));
  for (const bad of ['', 'Germany', 'D', 'DE,', 'DEU', '1A']) assert.throws(() => parseRecordCountry(bad), ConfigError, bad);
});

test('--client-pattern splits at the last =, compiles the pattern, rejects malformed ones', () => {
  const p = parseClientPattern('^a=b%d+=IOS');
  assert.equal(p.pattern.source, '^a=b%d+');
  assert.equal(p.category, 'IOS');
  assert.throws(() => parseClientPattern('^zom%=IOS'), PatternError);
  assert.throws(() => parseClientPattern('[abc=IOS'), PatternError);
  assert.throws(() => parseClientPattern('noequals'), UsageError);
  assert.throws(() => parseClientPattern('^x='), UsageError);
  assert.throws(() => parseYear('26'), UsageError);
});
