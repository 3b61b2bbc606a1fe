import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

// Real Prosody 0.12.3 and 13.0.1 with mod_bosh, mod_websocket, mod_log_auth and mod_monthly_visitors,
// nginx in front of /http-bind and /xmpp-websocket (trusted_proxies = 127.0.0.1, ::1); see their READMEs.
// Same scenario, and the module stored the same statistics on both.
const MMDB = join(fixture('prosody-0.12-web'), 'test-GeoIP2-City.mmdb');
const CAPTURES = [
  { version: '0.12.3', dir: fixture('prosody-0.12-web'), debugLines: 1593, infoLines: 141 },
  { version: '13.0.1', dir: fixture('prosody-13.0-web'), debugLines: 1723, infoLines: 143 },
];

function backfill(log: string, ...extra: string[]) {
  const data = join(tempDir(), 'data');
  const r = runCli(['backfill', '--data-dir', data, '--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', ...extra, log]);
  assert.equal(r.code, 0, r.stderr);
  return { r, store: readStoreWithLua(data) };
}

/** The same debug log as a server without mod_log_auth writes it: its two kinds of line removed. */
function withoutLogAuth(WEB: string): string {
  const lines = readFileSync(join(WEB, 'prosody.debug.log'), 'utf8').split('\n');
  const kept = lines.filter((l) => !/\t(Successful authentication as|Failed authentication attempt) /.test(l));
  assert.equal(lines.length - kept.length, 18); // 16 successful authentications, 2 failed
  const path = join(tempDir(), 'prosody.debug.log');
  writeFileSync(path, kept.join('\n'));
  return path;
}

const usersPerMonth = (store: StoreJson) =>
  Object.fromEntries(
    Object.entries(store).map(([host, { last_recorded, months }]) => [
      host,
      {
        last_recorded,
        users: Object.fromEntries(
          Object.entries(months).map(([m, keys]) => [m, Object.entries(keys).filter(([k]) => k.startsWith('geo-')).reduce((n, [, v]) => n + v, 0)]),
        ),
      },
    ]),
  );

for (const { version, dir: WEB, debugLines, infoLines } of CAPTURES) {
  const MODULE_STORE = readStoreWithLua(join(WEB, 'data'));

  test(`Prosody ${version}: BOSH and WebSocket logins, direct and through nginx: the replay writes exactly what the module wrote`, () => {
    const { r, store } = backfill(join(WEB, 'prosody.debug.log'));
    // Both stores read by a real Lua VM.
    assert.deepEqual(store, MODULE_STORE);
    // 14 binds (7 BOSH, 7 WebSocket; the IPv6 WebSocket's bind raised in the module: no Resource bound).
    // mod_bosh's own unstamped lines (`----------`, empty lines) are not unparsable.
    assert.match(r.stderr, new RegExp(`${debugLines} lines, 14 logins: 13 counted, 1 already counted, 0 filtered, 0 late; 0 unparsable`));
    assert.doesNotMatch(r.stderr, /reverse proxy/);
  });

  test(`Prosody ${version}: without mod_log_auth: the same users per month, proxied WebSocket logins without a place, and why`, () => {
    const { r, store } = backfill(withoutLogAuth(WEB));
    assert.deepEqual(usersPerMonth(store), usersPerMonth(MODULE_STORE));
    // Worked out from the manifest: the WebSocket logins' only address is now their TCP peer, nginx's
    // 127.0.0.1 when proxied (or the client's own loopback address when direct: a non-routable peer
    // cannot be told from a proxy), so carol (US-TX, direct), dave (FR-IDF) and grace (?-?-?) in
    // September, carol (?-?-?) in October, and frank@chat.example.org (US-TX) in October lose their
    // place. BOSH logins keep theirs: `BOSH session created for request from` is after X-Forwarded-For.
    const expected = structuredClone(MODULE_STORE);
    expected['example.com']!.months['2026-09'] = {
      ...expected['example.com']!.months['2026-09'],
      'geo-?-?-?': 3,
      'geo-FR-IDF-?': 1,
    };
    delete expected['example.com']!.months['2026-09']!['geo-US-TX-5525577'];
    delete expected['chat.example.org']!.months['2026-10']!['geo-US-TX-5525577'];
    expected['chat.example.org']!.months['2026-10']!['geo-?-?-?'] = 1;
    assert.deepEqual(store, expected);
    // Six WebSocket logins (alice's repeat in September included) had only the proxy-like peer.
    assert.match(r.stderr, /warning: 6 web logins \(WebSocket\) were counted with place \?-\?-\?: their address is the reverse proxy's/);
    assert.match(r.stderr, /load mod_log_auth with log_auth_ips = "all", or set trusted_proxies/);
    assert.equal(r.stderr.match(/reverse proxy's/g)!.length, 1);
  });

  test(`Prosody ${version}: the info log counts every user who authenticated, over BOSH and WebSocket alike`, () => {
    const { r, store } = backfill(join(WEB, 'prosody.info.log'));
    // Every user the module counted, in the same months (places differ where a user's first
    // authentication of the month was not their first bind: grace's BOSH session never bound, bob's
    // IPv6 WebSocket bind raised in the module).
    for (const host of Object.keys(MODULE_STORE)) assert.deepEqual(store[host]!.last_recorded, MODULE_STORE[host]!.last_recorded);
    assert.deepEqual(
      Object.fromEntries(Object.entries(store).map(([h, s]) => [h, Object.fromEntries(Object.entries(s.months).map(([m, k]) => [m, k['client-?']]))])),
      { 'chat.example.org': { '2026-09': 2, '2026-10': 1 }, 'example.com': { '2026-09': 6, '2026-10': 4 } },
    );
    // 16 successful authentications: 13 first of their month, alice twice and bob's IPv6 then BOSH.
    assert.match(r.stderr, new RegExp(`${infoLines} lines, 16 logins: 13 counted, 3 already counted, 0 filtered, 0 late; 0 unparsable`));
  });

  test(`Prosody ${version}: check on a web log says it has web sessions and whether their addresses are usable`, () => {
    const good = runCli(['check', '--data-dir', tempDir(), '--mmdb', MMDB, '--timezone', 'UTC', join(WEB, 'prosody.debug.log')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /web clients: 14 BOSH\/WebSocket logins, their addresses are usable/);
    const bad = runCli(['check', '--data-dir', tempDir(), '--mmdb', MMDB, '--timezone', 'UTC', withoutLogAuth(WEB)]);
    assert.equal(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, /web clients: 14 BOSH\/WebSocket logins, 6 of them without a usable address: .*reverse proxy's.*trusted_proxies/);
  });
}

test('check says when web logins have an address the GeoIP database cannot place (a proxy Prosody does not trust)', () => {
  // What Prosody 0.12.3 logs without trusted_proxies: the proxy's 127.0.0.1 as every proxied session's
  // address. Made from the real log by putting 127.0.0.1 for each proxied login's address (manifest)
  // in the two lines that carry it; 127.0.0.1 has no record in the test database.
  const web = fixture('prosody-0.12-web');
  const manifest = JSON.parse(readFileSync(join(web, 'manifest.json'), 'utf8')) as { phases: Record<string, { route: string; ip: string; outcome: string }[]> };
  const proxied = Object.values(manifest.phases).flat().filter((a) => a.route === 'proxy');
  assert.equal(proxied.filter((a) => a.outcome === 'bound').length, 10);
  let text = readFileSync(join(web, 'prosody.debug.log'), 'utf8');
  for (const { ip } of proxied) {
    text = text.replaceAll(`BOSH session created for request from ${ip}\n`, 'BOSH session created for request from 127.0.0.1\n');
    text = text.replaceAll(`from IP: ${ip}\n`, 'from IP: 127.0.0.1\n');
  }
  const log = join(tempDir(), 'prosody.debug.log');
  writeFileSync(log, text);
  const r = runCli(['check', '--json', '--data-dir', tempDir(), '--mmdb', MMDB, '--timezone', 'UTC', log]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: 10 web logins have an address .* has no place for: if it is your reverse proxy's, list the proxy in trusted_proxies/);
  assert.equal(JSON.parse(r.stdout).webLoginsUnplaced, 10);
  const good = runCli(['check', '--json', '--data-dir', tempDir(), '--mmdb', MMDB, '--timezone', 'UTC', join(web, 'prosody.debug.log')]);
  assert.equal(JSON.parse(good.stdout).webLoginsUnplaced, 0);
  assert.doesNotMatch(good.stderr, /has no place for/);
});
