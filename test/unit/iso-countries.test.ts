import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ISO_3166_ALPHA2, countryCodeInstead, isCountryCode } from '../../src/core/iso-countries.js';
import { parseRecordCountry } from '../../src/config/parse-options.js';
import { ConfigError } from '../../src/errors.js';

// Debian's iso-codes package: the ISO 3166-1 list maintained apart from this project.
const ISO_CODES_JSON = '/usr/share/iso-codes/json/iso_3166-1.json';

test('the embedded list is exactly the ISO 3166-1 alpha-2 codes of the iso-codes package', { skip: !existsSync(ISO_CODES_JSON) && `${ISO_CODES_JSON} missing (apt-get install iso-codes)` }, () => {
  const official = (JSON.parse(readFileSync(ISO_CODES_JSON, 'utf8')) as { '3166-1': { alpha_2: string }[] })['3166-1'].map((c) => c.alpha_2).sort();
  assert.deepEqual([...ISO_3166_ALPHA2].sort(), official);
});

test('unassigned codes are refused, with what to write instead where there is an answer', () => {
  for (const code of ['UK', 'EL', 'EU', 'XX', 'AA', 'ZZ', 'QQ']) assert.ok(!isCountryCode(code), code);
  assert.ok(isCountryCode('XK'), 'Kosovo, as MaxMind databases name it');
  assert.match(countryCodeInstead('UK') ?? '', /^GB /);
  assert.match(countryCodeInstead('EL') ?? '', /^GR /);
  assert.throws(() => parseRecordCountry('UK'), (e: Error) => e instanceof ConfigError && /UK is not an ISO 3166-1 country code; use GB/.test(e.message));
  assert.throws(() => parseRecordCountry('DE,XX'), (e: Error) => e instanceof ConfigError && /XX is not an assigned ISO 3166-1 country code/.test(e.message));
  assert.ok(parseRecordCountry('gb,gr,xk').passes('XK'));
});
