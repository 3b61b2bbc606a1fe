import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

const P1 = fixture('prosody-0.12-p1');

test('backfill of a real Prosody debug log writes exactly what mod_monthly_visitors wrote', () => {
  const data = join(tempDir(), 'data');
  const r = runCli([
    'backfill', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  // Both stores read by a real Lua VM: ours must hold the same tables as the module's.
  assert.deepEqual(readStoreWithLua(data), readStoreWithLua(join(P1, 'data')));
  assert.match(r.stderr, /716 lines, 13 logins: 11 counted, 2 already counted, 0 filtered, 0 late; 0 unparsable/);
});

test('running the same backfill twice changes nothing the second time', () => {
  const data = join(tempDir(), 'data');
  const args = [
    'backfill', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log'),
  ];
  assert.equal(runCli(args).code, 0);
  const second = runCli([...args, '--json']);
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  // Backfill computes the months from scratch again (13 logins, 11 users) and finds them stored.
  assert.equal(summary.counted, 11);
  assert.equal(summary.alreadyCounted, 2);
  assert.deepEqual(
    summary.months.map((m: { action: string; differs: boolean }) => [m.action, m.differs]),
    [['keep', false], ['keep', false]],
  );
  assert.equal(summary.marksRaised, 0);
  assert.deepEqual(summary.store, { written: 0, unchanged: 0, deleted: 0 });
  assert.deepEqual(readStoreWithLua(data), readStoreWithLua(join(P1, 'data')));
});

test('summaries and the data dir hold no IPs, resources or names beyond the module\'s own files', () => {
  const data = join(tempDir(), 'data');
  const r = runCli([
    'backfill', '--json', '--verbose', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const secret of ['alice', 'bob.smith', '127.0.1.10', 'Zom-iPhone', 'Conversations.Xy3z']) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `summary mentions ${secret}`);
  }
  // Only the module's files (and nothing left behind by the lock or journal).
  const files = [...snapshotTree(data).keys()].map((p) => p.slice(data.length + 1)).filter((p) => !p.endsWith('/'));
  assert.ok(files.every((f) => /^[^/]+\/monthly%2dvisitors(\.dat|\/[^/]+\.dat)$/.test(f)), files.join('\n'));
  for (const f of files) assert.ok(!readFileSync(join(data, f), 'utf8').includes('127.0.'));
});
