/**
 * The operator's path: backfill the real Prosody 0.12.3 debug log, then `report`. The figures must be
 * those of the real mod_monthly_visitors output in the same fixture (its data/ dir, read here by a
 * real Lua VM, and the numbers in its .dat files checked by eye: example.com 6 visitors, chat.example.org 5).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { loadDatWithLua } from '../helpers/lua-dat-reader.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

const P1 = fixture('prosody-0.12-p1');

type Counts = Record<string, number>;

/** Sums of the module's own counters, per dimension, from its .dat read by Lua. */
function fromModuleOutput(hostFolder: string): { unique: number; clients: Counts; countries: Counts } {
  const rec = loadDatWithLua(join(P1, 'data', hostFolder, 'monthly%2dvisitors.dat')) as Record<string, Counts>;
  const month = rec['2026-09']!;
  const clients: Counts = {};
  const countries: Counts = {};
  let unique = 0;
  for (const [key, n] of Object.entries(month)) {
    if (key.startsWith('client-')) {
      clients[key.slice(7)] = n;
      unique += n;
    } else if (key.startsWith('geo-')) {
      const cc = key.slice(4).split('-')[0]!;
      countries[cc] = (countries[cc] ?? 0) + n;
    }
  }
  return { unique, clients, countries };
}

test('report after a backfill of the real Prosody log gives the real module\'s figures', () => {
  const data = join(tempDir(), 'data');
  const backfill = runCli([
    'backfill', '--quiet', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log'),
  ]);
  assert.equal(backfill.code, 0, backfill.stderr);
  const r = runCli(['report', '--data-dir', data, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.hosts.map((h: { host: string }) => h.host), ['chat.example.org', 'example.com']);
  const byHost = new Map(doc.hosts.map((h: { host: string; months: unknown[] }) => [h.host, h.months]));
  const counts = (cells: Array<{ key: string; count: number }>) => Object.fromEntries(cells.map((c) => [c.key, c.count]));

  const expected = {
    'example.com': { folder: 'example%2ecom', unique: 6, clients: { ANDROID: 2, IOS: 2, '?': 1, DESKTOP: 1 } },
    'chat.example.org': { folder: 'chat%2eexample%2eorg', unique: 5, clients: { '?': 3, IOS: 2 } },
  };
  for (const [host, want] of Object.entries(expected)) {
    const months = byHost.get(host) as Array<{ month: string; uniqueVisitors: { count: number }; clients: []; countries: [] }>;
    assert.deepEqual(months.map((m) => m.month), ['2026-09']);
    const m = months[0]!;
    const module = fromModuleOutput(want.folder);
    assert.equal(module.unique, want.unique, 'the fixture is what we read by eye');
    assert.equal(m.uniqueVisitors.count, want.unique);
    assert.deepEqual(counts(m.clients), want.clients);
    assert.deepEqual(counts(m.clients), module.clients);
    assert.deepEqual(counts(m.countries), module.countries);
  }
  // The table of the same store: the two month lines.
  const table = runCli(['report', '--data-dir', data]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^chat\.example\.org\n {2}month {7}visitors {2}change from the month before\n {2}2026-09 {12}5\n/);
  assert.match(table.stdout, /^example\.com\n {2}month {7}visitors {2}change from the month before\n {2}2026-09 {12}6$/m);
});
