import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS_LUA } from '../helpers/module-config.js';
import { lua } from '../helpers/config-files.js';

const P1 = fixture('prosody-0.12-p1');
// The fixture's logs are from 2026-09-03 (UTC): their year comes from the file date.
const LOG_MTIME = new Date('2026-09-03T12:00:00Z');
const ENV = { TZ: 'UTC' };

/**
 * A server dir laid out like the fixture's real run, with a prosody.cfg.lua that names everything
 * by paths relative to itself: data_path, the two log sinks, the GeoIP database. The client patterns
 * are those the fixture was captured with (its README), written the module README's way.
 */
function serverDir(hostSections: string[] = ['VirtualHost "example.com"', 'VirtualHost "chat.example.org"'], extra: string[] = []): string {
  const dir = tempDir('mv-server-');
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'geo'));
  for (const log of ['prosody.debug.log', 'prosody.info.log']) {
    copyFileSync(join(P1, log), join(dir, 'logs', log));
    utimesSync(join(dir, 'logs', log), LOG_MTIME, LOG_MTIME);
  }
  copyFileSync(join(P1, 'test-GeoIP2-City.mmdb'), join(dir, 'geo', 'City.mmdb'));
  writeFileSync(
    join(dir, 'prosody.cfg.lua'),
    lua(
      'data_path = "data"',
      'log = {',
      '  { levels = { min = "debug" }, to = "file", filename = "logs/prosody.debug.log" };',
      '  info = "logs/prosody.info.log";',
      '}',
      'mod_monthly_visitors_mmdb_path = "geo/City.mmdb"',
      ...MODULE_README_PATTERNS_LUA,
      'client_patterns["^Gajim"] = "DESKTOP";',
      'mod_monthly_visitors_client_patterns = client_patterns;',
      ...extra,
      ...hostSections,
    ),
  );
  return dir;
}

test('backfill --prosody-config alone: data dir, logs, GeoIP database and patterns all come from the config', () => {
  const dir = serverDir();
  // Run from elsewhere: relative paths are relative to the config file, not the working dir.
  const r = runCli(['backfill', '--prosody-config', join(dir, 'prosody.cfg.lua')], { env: ENV, cwd: tempDir() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readStoreWithLua(join(dir, 'data')), readStoreWithLua(join(P1, 'data')));
  // Only the debug log was read (the info log holds the same logins without resources).
  assert.match(r.stderr, /716 lines, 13 logins: 11 counted, 2 already counted, 0 filtered, 0 late; 0 unparsable/);
  assert.doesNotMatch(r.stderr, /prosody\.info\.log/);
});

test('an auto-detected prosody.cfg.lua is used when no data dir or config is given, and ignored when one is', () => {
  const dir = serverDir();
  const env = { ...ENV, MONTHLY_VISITORS_PROSODY_CONFIG: join(dir, 'prosody.cfg.lua') };
  const r = runCli(['backfill'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readStoreWithLua(join(dir, 'data')), readStoreWithLua(join(P1, 'data')));

  const other = join(tempDir(), 'elsewhere');
  const explicit = runCli(['backfill', '--data-dir', other, join(dir, 'logs', 'prosody.debug.log')], { env });
  assert.equal(explicit.code, 2);
  assert.match(explicit.stderr, /--mmdb is required/);
});

test('each VirtualHost counts with its own options: chat.example.org has no client patterns and another country', () => {
  const dir = serverDir([
    'VirtualHost "example.com"',
    'VirtualHost "Chat.Example.ORG" -- case-folded like the hosts in the log',
    '  mod_monthly_visitors_client_patterns = {}',
  ]);
  const r = runCli(['backfill', '--prosody-config', join(dir, 'prosody.cfg.lua')], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  const ours = readStoreWithLua(join(dir, 'data'));
  const module = readStoreWithLua(join(P1, 'data'));
  assert.deepEqual(ours['example.com'], module['example.com']);
  // Expected: the module's own counts for chat.example.org with every client-* folded into client-?.
  assert.deepEqual(ours['chat.example.org'], withoutClientCategories(module['chat.example.org']!));

  const filtered = serverDir(['VirtualHost "example.com"', 'VirtualHost "chat.example.org"', '  mod_monthly_visitors_record_country = "NZ"']);
  const f = runCli(['backfill', '--prosody-config', join(filtered, 'prosody.cfg.lua')], { env: ENV });
  assert.equal(f.code, 0, f.stderr);
  const store = readStoreWithLua(join(filtered, 'data'));
  assert.deepEqual(store['example.com'], module['example.com']);
  assert.equal(store['chat.example.org'], undefined, 'no login of chat.example.org is from NZ: nothing stored, nobody marked');
});

function withoutClientCategories(host: StoreJson[string]): StoreJson[string] {
  const months: Record<string, Record<string, number>> = {};
  for (const [month, counts] of Object.entries(host.months)) {
    const out: Record<string, number> = {};
    for (const [key, n] of Object.entries(counts)) {
      const k = key.startsWith('client-') ? 'client-?' : key;
      out[k] = (out[k] ?? 0) + n;
    }
    months[month] = out;
  }
  return { last_recorded: host.last_recorded, months };
}

test('flags beat our config file, which beats prosody.cfg.lua', () => {
  const dir = serverDir(undefined, ['mod_monthly_visitors_record_country = "NZ"']);
  writeFileSync(join(dir, 'mv.json'), JSON.stringify({ record_country: 'JP' }));
  const cfg = ['--prosody-config', join(dir, 'prosody.cfg.lua'), '--config', join(dir, 'mv.json')];
  const json = runCli(['backfill', '--dry-run', '--json', ...cfg], { env: ENV });
  assert.equal(json.code, 0, json.stderr);
  // Only the ::1 login is from JP, and it never bound (the module crashed on it): nothing counts.
  assert.equal(JSON.parse(json.stdout).counted, 0);
  const flag = runCli(['backfill', ...cfg, '--record-country', 'ALL'], { env: ENV });
  assert.equal(flag.code, 0, flag.stderr);
  assert.deepEqual(readStoreWithLua(join(dir, 'data')), readStoreWithLua(join(P1, 'data')));
});

test('check shows every option per host with its file and line, and warns about the server module, overlaps and an old GeoIP database', () => {
  const dir = serverDir(
    [
      'VirtualHost "example.com"',
      'VirtualHost "chat.example.org"',
      '  mod_monthly_visitors_client_patterns = { ["^Conv"] = "ANDROID", ["^Conversations"] = "OTHER" }',
      '  modules_enabled = { "monthly_visitors" }',
    ],
    ['modules_disabled = { "monthly_visitors" } -- for hosts without their own modules_disabled'],
  );
  // A copy of the test database whose metadata says it was built on 2020-01-01.
  const mmdb = readFileSync(join(dir, 'geo', 'City.mmdb'));
  const at = mmdb.lastIndexOf('build_epoch') + 'build_epoch'.length;
  assert.equal(mmdb.subarray(at, at + 2).toString('hex'), '0402'); // uint64 of 4 bytes
  mmdb.writeUInt32BE(Date.UTC(2020, 0, 1) / 1000, at + 2);
  writeFileSync(join(dir, 'geo', 'City.mmdb'), mmdb);
  assert.equal(new Reader(mmdb).metadata.buildEpoch.toISOString(), '2020-01-01T00:00:00.000Z');

  const cfg = join(dir, 'prosody.cfg.lua');
  const r = runCli(['check', '--prosody-config', cfg, '--json'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`host example\\.com:\\n  mmdb_path: ${dir}/geo/City\\.mmdb \\(${cfg}:6\\)`));
  assert.match(r.stderr, new RegExp(`    \\^Gajim → DESKTOP \\(${cfg}:13\\)`));
  assert.match(r.stderr, new RegExp(`host chat\\.example\\.org:[^]*client_patterns: 2, tried in this order \\(${cfg}:18\\)`));
  assert.match(r.stderr, /record_country: ALL \(default\)/);
  // modules_disabled is global, but chat.example.org enables the module itself: the server counts there.
  assert.match(r.stderr, new RegExp(`warning: ${cfg}:19: Prosody loads mod_monthly_visitors on chat\\.example\\.org itself`));
  assert.doesNotMatch(r.stderr, /mod_monthly_visitors on example\.com/);
  assert.match(r.stderr, /warning: client patterns of chat\.example\.org: "\^Conv" \(ANDROID, [^)]*:18\) and "\^Conversations" \(OTHER, [^)]*:18\) both match e\.g\. "Conversations"/);
  // The module's own list has no overlap between categories.
  assert.doesNotMatch(r.stderr, /client patterns of every other host, example\.com/);
  assert.match(r.stderr, /^every other host:\n  mmdb_path: /m);
  assert.match(r.stderr, /warning: .*City\.mmdb is \d+ days old/);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.config.hosts['chat.example.org'].clientPatterns.map((p: { category: string }) => p.category), ['ANDROID', 'OTHER']);
  assert.equal(json.config.dataDir.value, join(dir, 'data'));
  assert.equal(json.config.dataDir.origin, `${cfg}:1`);
});

test("a host's own GeoIP database is opened before anything is written: a missing one stops the run", () => {
  const dir = serverDir(['VirtualHost "example.com"', 'VirtualHost "chat.example.org"', '  mod_monthly_visitors_mmdb_path = "geo/missing.mmdb"']);
  const r = runCli(['backfill', '--prosody-config', join(dir, 'prosody.cfg.lua')], { env: ENV });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /geo\/missing\.mmdb: cannot read the GeoIP database: no such file or directory/);
  assert.deepEqual(readStoreWithLua(join(dir, 'data')), {});
});
