import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { FORK, FORK_LOG, FORK_OPTIONS } from '../helpers/fork-isp.js';

/**
 * The capture's own prosody.cfg.lua (fixtures/prosody-0.12-fork-isp/capture/prosody.cfg.lua.in),
 * its placeholders filled in: the fork's options name the databases, the countries and the patterns.
 */
function captureConfig(dir: string, edit: (text: string) => string = (t) => t): string {
  const text = readFileSync(join(FORK, 'capture', 'prosody.cfg.lua.in'), 'utf8')
    .replaceAll('@RUN@/data', join(dir, 'data'))
    .replaceAll('@RUN@/@NAME@.debug.log', FORK_LOG)
    .replaceAll('@RUN@/@NAME@.info.log', join(dir, 'unused.info.log'))
    .replaceAll('@RUN@', FORK)
    .replaceAll('@PORT@', '5222');
  const file = join(dir, 'prosody.cfg.lua');
  writeFileSync(file, edit(text));
  return file;
}

test('backfill --prosody-config of a server running the fork counts in the fork\'s layout with no other option', () => {
  const dir = tempDir();
  const r = runCli(['backfill', '--prosody-config', captureConfig(dir), '--timezone', 'UTC', '--year', '2026']);
  assert.equal(r.code, 0, r.stderr);
  const flags = join(dir, 'flags');
  assert.equal(runCli(['backfill', '--data-dir', flags, ...FORK_OPTIONS, FORK_LOG]).code, 0);
  assert.deepEqual(readStoreWithLua(join(dir, 'data')), readStoreWithLua(flags));
  assert.ok(Object.keys(readStoreWithLua(flags)).length === 2);
});

test('the fork\'s empty country list records nobody, and the run says so', () => {
  const dir = tempDir();
  const config = captureConfig(dir, (t) => t.replace(/mod_monthly_visitors_record_countries = \{[^}]*\}/, 'mod_monthly_visitors_record_countries = { }'));
  const r = runCli(['backfill', '--prosody-config', config, '--timezone', 'UTC', '--year', '2026']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /records nobody/);
  assert.match(r.stderr, /12 logins: 0 counted, 0 already counted, 12 filtered/);
});

test('a fork config without the ASN database option is a usage error naming the option', () => {
  const dir = tempDir();
  const config = captureConfig(dir, (t) => t.replace(/^mod_monthly_visitors_isp_mmdb_path = .*$/m, ''));
  const r = runCli(['backfill', '--prosody-config', config, '--timezone', 'UTC', '--year', '2026']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--layout fork-isp needs --asn-mmdb \(mod_monthly_visitors_isp_mmdb_path\)/);
});

test('check predicts the fork\'s layout from the config, and a run in the other layout on the fork\'s store', () => {
  const dir = tempDir();
  const config = captureConfig(dir);
  const r = runCli(['check', '--prosody-config', config]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /layout: fork-isp; ASN database: .*test-GeoLite2-ASN\.mmdb: GeoLite2-ASN/);
  assert.equal(runCli(['backfill', '--prosody-config', config, '--timezone', 'UTC', '--year', '2026']).code, 0);
  // The module's layout on that store: check stops on it as the run would.
  const module = runCli(['check', '--data-dir', join(dir, 'data')]);
  assert.equal(module.code, 1, module.stderr);
  assert.match(module.stderr, /data: host "(chat\.example\.org|example\.com)": month "2026-1[01]" is in the ISP fork's layout, but this run counts in the module's layout/);
});
