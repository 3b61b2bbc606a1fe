import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader, type AsnResponse } from 'maxmind';
import { MonthlyTally, type HostRecord, type StatsView } from '../../src/core/monthly-tally.js';
import { ClientClassifier } from '../../src/core/client-classifier.js';
import { CountryFilter } from '../../src/core/country-filter.js';
import { LuaPattern } from '../../src/core/lua-pattern/index.js';
import { monthVisitors } from '../../src/core/month-layout.js';
import { AsnDatabase } from '../../src/geoip/asn-database.js';
import { GeoIpDatabase } from '../../src/geoip/geoip-database.js';
import { parseHostRecord, serializeHostRecord } from '../../src/storage/records.js';
import { StoreFormatError } from '../../src/errors.js';
import { loadDatWithLua } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { FORK, FORK_ASN, FORK_CITY } from '../helpers/fork-isp.js';

test('ISP of each address of the capture: ours against maxmind\'s full decoder', () => {
  const asn = AsnDatabase.open(FORK_ASN);
  const reader = new Reader<AsnResponse>(readFileSync(FORK_ASN));
  const manifest = JSON.parse(readFileSync(join(FORK, 'fork-isp.manifest.json'), 'utf8')) as { attempts: Array<{ source_ip: string }> };
  const addresses = [...new Set(manifest.attempts.map((a) => a.source_ip)), '::ffff:127.0.1.10', '[::1]', 'garbage', '10.0.0.1'];
  for (const ip of addresses) {
    const bare = ip.replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
    let record: AsnResponse | null = null;
    try {
      record = reader.get(bare);
    } catch {
      record = null;
    }
    const n: number | undefined = record?.autonomous_system_number;
    assert.equal(asn.isp(ip), n === undefined ? '?' : `AS${n}`, ip);
  }
  // The capture's cases by hand (README): a number, no number, no record at all (dave), IPv6.
  assert.equal(asn.isp('127.0.1.10'), 'AS3320');
  assert.equal(asn.isp('127.0.3.30'), '?');
  assert.equal(reader.get('127.0.4.40'), null);
  assert.equal(asn.isp('127.0.4.40'), '?');
  assert.equal(asn.isp('::1'), 'AS2516');
  assert.equal(asn.isp(null), '?');
});

test('the fork\'s rule in the core: nested counters per geo key, unknown ISP counted as ?', () => {
  const records = new Map<string, HostRecord>();
  const view: StatsView = {
    hostRecord: (host) => records.get(host) ?? records.set(host, new Map()).get(host)!,
    lastRecorded: () => undefined,
  };
  const classifier = new ClientClassifier([{ pattern: LuaPattern.compile('^Zom%-.*'), category: 'IOS' }]);
  const city = GeoIpDatabase.open(FORK_CITY);
  const asn = AsnDatabase.open(FORK_ASN);
  const tally = new MonthlyTally(view, () => ({ classifier, countries: CountryFilter.only(['DE', 'CN', 'JP']) }), (ip) => city.locate(ip), { isp: (ip) => asn.isp(ip) });
  const login = (user: string, ip: string, resource: string | null) => tally.record({ time: 0, month: '2026-10', host: 'h', user, ip, resource } as never);
  assert.equal(login('alice', '127.0.1.10', 'Zom-1'), 'counted');
  assert.equal(login('dave', '127.0.4.40', 'x'), 'counted'); // CN, no ASN record: the fork would lose it
  assert.equal(login('bob', '127.0.5.50', 'x'), 'filtered'); // FR
  assert.equal(login('eve', '::1', null), 'counted'); // IPv6 in both databases
  const month = records.get('h')!.get('2026-10')!;
  assert.equal(monthVisitors(month), 3);
  const path = join(tempDir(), 'monthly%2dvisitors.dat');
  writeFileSync(path, serializeHostRecord(records.get('h')!));
  // Read back by a real Lua VM: the fork's nested table.
  assert.deepEqual(loadDatWithLua(path), {
    '2026-10': {
      'DE-HE-2925533': { users_seen: 1, clients_seen: { IOS: 1 }, isps_seen: { AS3320: 1 } },
      'CN-?-?': { users_seen: 1, clients_seen: { '?': 1 }, isps_seen: { '?': 1 } },
      'JP-13-1850147': { users_seen: 1, clients_seen: { '?': 1 }, isps_seen: { AS2516: 1 } },
    },
  });
});

test('the real fork\'s host record reads and writes back to the same Lua table', () => {
  const file = join(FORK, 'data', 'example%2ecom', 'monthly%2dvisitors.dat');
  const rec = parseHostRecord(readFileSync(file), file);
  assert.equal(monthVisitors(rec.get('2026-10')!), 3);
  assert.equal(monthVisitors(rec.get('2026-11')!), 3);
  const out = join(tempDir(), 'monthly%2dvisitors.dat');
  writeFileSync(out, serializeHostRecord(rec));
  assert.deepEqual(loadDatWithLua(out), loadDatWithLua(file));
});

test('a month of neither layout, or of both in one file, is refused naming the file and month', () => {
  const bad = (text: string) => assert.throws(() => parseHostRecord(text, 'F.dat'), (e: unknown) => e instanceof StoreFormatError && e.message.startsWith('F.dat: month "2026-01"'));
  bad('return { ["2026-01"] = { ["DE-?-?"] = 1; ["X-?-?"] = { users_seen = 1 } } }');
  bad('return { ["2026-01"] = { ["DE-?-?"] = { users_seen = { a = { 1 } } } } }');
  bad('return { ["2026-01"] = { ["DE-?-?"] = { users_seen = 1 }; ["X-?-?"] = {} } }');
  bad('return { ["2026-01"] = { ["DE-?-?"] = { users_seen = -1 } } }');
  assert.throws(
    () => parseHostRecord('return { ["2026-02"] = { ["client-IOS"] = 1 }; ["2026-01"] = { ["DE-?-?"] = { users_seen = 1 } } }', 'F.dat'),
    /F\.dat: month "2026-0[12]" is in the .* layout but month "2026-0[12]" in the .* layout: one store holds one layout/,
  );
});
