import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { GeoIpDatabase, databaseKind } from '../../src/geoip/geoip-database.js';
import { GEOIP_MAX_AGE_DAYS, warnIfOld } from '../../src/pipeline/preflight.js';
import type { Warning } from '../../src/warnings.js';

test('database kinds by MaxMind type name: City and Enterprise have places, Country countries, the rest none', () => {
  for (const t of ['GeoIP2-City', 'GeoLite2-City', 'GeoIP2-City-Europe', 'GeoIP2-Enterprise', 'DBIP-City-Lite', 'GeoIP2-Precision-City']) assert.equal(databaseKind(t), 'city', t);
  for (const t of ['GeoIP2-Country', 'GeoLite2-Country', 'DBIP-Country-Lite']) assert.equal(databaseKind(t), 'country', t);
  for (const t of ['GeoLite2-ASN', 'GeoIP2-ISP', 'GeoIP2-Anonymous-IP', 'GeoIP2-Domain', 'GeoIP2-Connection-Type', 'DBIP-ASN-Lite', '']) assert.equal(databaseKind(t), null, t);
});

test('a GeoIP database older than 60 days is a geoip-database-old warning', () => {
  // Written by MaxMind's writer (fixtures/geoip-database-types): its build time is in its metadata.
  const db = GeoIpDatabase.open(join(fixture('geoip-database-types'), 'GeoLite2-City.mmdb'));
  const built = db.buildTime.getTime();
  const day = 86_400_000;
  const warnings: Warning[] = [];
  assert.equal(warnIfOld(db, (w) => warnings.push(w), built + GEOIP_MAX_AGE_DAYS * day + 1), GEOIP_MAX_AGE_DAYS);
  assert.equal(warnings.length, 0);
  assert.equal(warnIfOld(db, (w) => warnings.push(w), built + (GEOIP_MAX_AGE_DAYS + 1) * day), GEOIP_MAX_AGE_DAYS + 1);
  assert.deepEqual(warnings.map((w) => w.code), ['geoip-database-old']);
  db.close();
});
