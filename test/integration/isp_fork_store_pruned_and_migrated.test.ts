import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { readSqliteStore } from '../helpers/sql-store-reader.js';
import { copyTree, tempDir } from '../helpers/tree.js';
import { migratorUnavailable, prosodyMigrate } from '../helpers/prosody-migrator.js';
import { FORK, FORK_LOG, FORK_OPTIONS } from '../helpers/fork-isp.js';

const FORK_DATA = join(FORK, 'data');
const HOSTS = ['example.com', 'chat.example.org'];

test('prune on the fork\'s store drops whole months, leaving the others\' nested tables as they were', () => {
  const data = copyTree(FORK_DATA, join(tempDir(), 'data'));
  const r = runCli(['prune', '--keep-months', '1', '--now', '2026-11', '--data-dir', data]);
  assert.equal(r.code, 0, r.stderr);
  const before = readStoreWithLua(FORK_DATA);
  const after = readStoreWithLua(data);
  for (const host of HOSTS) {
    assert.deepEqual(Object.keys(after[host]!.months), ['2026-11']);
    assert.deepEqual(after[host]!.months['2026-11'], before[host]!.months['2026-11']);
  }
});

test('migrate the fork\'s store to SQLite and back: the same tables; the rows are type "json" nested objects', () => {
  const dir = tempDir();
  const db = join(dir, 'prosody.sqlite');
  const sql = ['--sql-driver', 'sqlite3', '--sql-database', db];
  const there = runCli(['migrate', '--from', 'internal', '--to', 'sql', '--data-dir', FORK_DATA, ...sql]);
  assert.equal(there.code, 0, there.stderr);
  const rows = readSqliteStore(db);
  // better-sqlite3 reads the rows: the month values are the fork's nested tables as JSON.
  assert.deepEqual(rows['example.com']!.months['2026-11'], readStoreWithLua(FORK_DATA)['example.com']!.months['2026-11']);
  const back = join(dir, 'back');
  const r = runCli(['migrate', '--from', 'sql', '--to', 'internal', '--data-dir', back, ...sql]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readStoreWithLua(back), readStoreWithLua(FORK_DATA));
  // The report reads both backends alike.
  const fromSql = runCli(['report', '--storage', 'sql', ...sql, '--format', 'json']);
  assert.equal(fromSql.code, 0, fromSql.stderr);
  assert.equal(fromSql.stdout, runCli(['report', '--data-dir', FORK_DATA, '--format', 'json']).stdout);
});

test('Prosody\'s own mod_storage_sql reads and writes the fork\'s rows as we do (prosody-migrator)', (t) => {
  const why = migratorUnavailable();
  if (why) return t.skip(why);
  const dir = tempDir();
  const ours = join(dir, 'ours.sqlite');
  assert.equal(runCli(['backfill', '--storage', 'sql', '--sql-database', ours, ...FORK_OPTIONS, FORK_LOG]).code, 0);
  const out = join(dir, 'out');
  mkdirSync(out);
  prosodyMigrate(dir, { type: 'sql', sqliteFile: ours }, { type: 'internal', path: out }, HOSTS);
  // mod_storage_sql's users() lists the host record's user "" too (see real_prosody_reads_and_writes_the_sql_store).
  for (const host of HOSTS) rmSync(join(out, encodeURIComponent(host).replace(/\./g, '%2e'), 'monthly%2dvisitors', '.dat'));
  const backfilled = join(dir, 'files');
  assert.equal(runCli(['backfill', '--data-dir', backfilled, ...FORK_OPTIONS, FORK_LOG]).code, 0);
  assert.deepEqual(readStoreWithLua(out), readStoreWithLua(backfilled));

  // The other way: Prosody writes the fork's .dat files as rows; a backfill finds every month stored.
  const theirs = join(dir, 'theirs.sqlite');
  prosodyMigrate(dir, { type: 'internal', path: copyTree(FORK_DATA, join(dir, 'fork')) }, { type: 'sql', sqliteFile: theirs }, HOSTS);
  const again = runCli(['backfill', '--json', '--storage', 'sql', '--sql-database', theirs, ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).months.map((m: { action: string }) => m.action), ['keep', 'keep', 'keep', 'keep']);
});

test('tail --layout fork-isp into SQLite counts as into files', () => {
  const dir = tempDir();
  const db = join(dir, 'prosody.sqlite');
  const r = runCli(['tail', '--once', '--storage', 'sql', '--sql-database', db, '--state', join(dir, 'state.json'), ...FORK_OPTIONS, FORK_LOG]);
  assert.equal(r.code, 0, r.stderr);
  const files = join(dir, 'files');
  assert.equal(runCli(['backfill', '--data-dir', files, ...FORK_OPTIONS, FORK_LOG]).code, 0);
  assert.deepEqual(readSqliteStore(db), readStoreWithLua(files));
});
