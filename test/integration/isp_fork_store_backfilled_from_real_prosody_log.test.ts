import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';
import { fixture } from '../helpers/paths.js';
import { FORK, FORK_ASN, FORK_CITY, FORK_LOG, FORK_OPTIONS } from '../helpers/fork-isp.js';

/** The fork's store with our IPv6 fix: attempt 6 (alice@chat.example.org from ::1) counted (README). */
function expectedStore(): StoreJson {
  const store = readStoreWithLua(join(FORK, 'data'));
  const months = store['chat.example.org']!.months as unknown as Record<string, Record<string, unknown>>;
  assert.equal(months['2026-10']!['JP-13-1850147'], undefined);
  months['2026-10']!['JP-13-1850147'] = { users_seen: 1, clients_seen: { IOS: 1 }, isps_seen: { AS2516: 1 } };
  return store;
}

test('backfill --layout fork-isp of the real fork\'s log writes what the fork wrote, plus the IPv6 login', () => {
  const data = join(tempDir(), 'data');
  const r = runCli(['backfill', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(r.code, 0, r.stderr);
  // Both stores read by a real Lua VM (fengari).
  assert.deepEqual(readStoreWithLua(data), expectedStore());
  // 12 logins bound (dave's was lost inside the fork): bob (FR) and grace (no country) filtered.
  assert.match(r.stderr, /12 logins: 9 counted, 1 already counted, 2 filtered, 0 late/);
});

test('the same backfill again finds every month stored and changes nothing', () => {
  const data = join(tempDir(), 'data');
  assert.equal(runCli(['backfill', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]).code, 0);
  const before = snapshotTree(data);
  const second = runCli(['backfill', '--json', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  assert.deepEqual(summary.months.map((m: { action: string; differs: boolean; visitors: number }) => [m.action, m.differs, m.visitors]), [
    ['keep', false, 2], ['keep', false, 1], ['keep', false, 3], ['keep', false, 3],
  ]);
  assert.deepEqual(snapshotTree(data), before);
});

test('a backfill of the fork\'s months into the real fork\'s own store keeps its months and adds the IPv6 one only with --replace', () => {
  const data = copyTree(join(FORK, 'data'), join(tempDir(), 'data'));
  const kept = runCli(['backfill', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(kept.code, 0, kept.stderr);
  assert.deepEqual(readStoreWithLua(data), readStoreWithLua(join(FORK, 'data')));
  const replaced = runCli(['backfill', '--replace', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.deepEqual(readStoreWithLua(data), expectedStore());
});

test('the module\'s layout into a fork store, or the fork\'s into a module store, stops naming the file and month', () => {
  const fork = copyTree(join(FORK, 'data'), join(tempDir(), 'data'));
  const before = snapshotTree(fork);
  const r = runCli(['backfill', '--data-dir', fork, '--mmdb', FORK_CITY, '--timezone', 'UTC', '--year', '2026', FORK_LOG]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^monthly-visitors: .*example%2ecom\/monthly%2dvisitors\.dat: month "2026-1[01]" is in the ISP fork's layout, but this run counts in the module's layout \(--layout\): one store holds one layout$/);
  assert.deepEqual(snapshotTree(fork), before);

  const P1 = fixture('prosody-0.12-p1');
  const module = copyTree(join(P1, 'data'), join(tempDir(), 'data'));
  const moduleBefore = snapshotTree(module);
  const m = runCli(['backfill', '--data-dir', module, ...FORK_OPTIONS, join(P1, 'prosody.debug.log')]);
  assert.equal(m.code, 1, m.stderr);
  assert.match(m.stderr.trim(), /^monthly-visitors: .*monthly%2dvisitors\.dat: month "2026-\d\d" is in the module's layout, but this run counts in the ISP fork's layout/);
  assert.deepEqual(snapshotTree(module), moduleBefore);
});

test('a host record with months of both layouts, or a month of neither, is an error naming the file and month', () => {
  const data = copyTree(join(FORK, 'data'), join(tempDir(), 'data'));
  const file = join(data, 'chat%2eexample%2eorg', 'monthly%2dvisitors.dat');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/\n\};\n$/, '\n\t["2026-12"] = { ["client-IOS"] = 1; ["geo-DE-HE-2925533"] = 1; };\n};\n'));
  const mixed = runCli(['backfill', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /chat%2eexample%2eorg\/monthly%2dvisitors\.dat: month "2026-12" is in the module's layout but month "2026-1[01]" in the ISP fork's layout/);
  writeFileSync(file, text.replace('["users_seen"] = 1;', '["users_seen"] = { { 1 } };'));
  const neither = runCli(['backfill', '--data-dir', data, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /chat%2eexample%2eorg\/monthly%2dvisitors\.dat: month "2026-10" is neither the module's layout nor the ISP fork's/);
  assert.equal(neither.stderr.trim().split('\n').length, 1, neither.stderr);
});

test('an ASN database as --mmdb, or a City database as --asn-mmdb, is a usage error naming its type', () => {
  const data = join(tempDir(), 'data');
  const swapped = FORK_OPTIONS.map((a) => (a === FORK_CITY ? FORK_ASN : a === FORK_ASN ? FORK_CITY : a));
  const r = runCli(['backfill', '--data-dir', data, ...swapped, FORK_LOG]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /test-GeoLite2-ASN\.mmdb: a "GeoLite2-ASN" database has no places of logins/);
  const city = runCli(['backfill', '--data-dir', data, ...FORK_OPTIONS.map((a) => (a === FORK_ASN ? FORK_CITY : a)), FORK_LOG]);
  assert.equal(city.code, 2, city.stderr);
  assert.match(city.stderr, /test-GeoIP2-City\.mmdb: a GeoIP2-City database has no autonomous systems/);
  assert.ok(!existsSync(data));
});

test('the fork\'s layout without a country list records nobody, as the fork does, and says so', () => {
  const data = join(tempDir(), 'data');
  const options = FORK_OPTIONS.filter((a, i) => a !== '--record-country' && FORK_OPTIONS[i - 1] !== '--record-country');
  const r = runCli(['backfill', '--data-dir', data, ...options, FORK_LOG]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: --layout fork-isp without a --record-country list .* records nobody/);
  assert.match(r.stderr, /12 logins: 0 counted, 0 already counted, 12 filtered/);
  assert.deepEqual(readStoreWithLua(data), {});
});
