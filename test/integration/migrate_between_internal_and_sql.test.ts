import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';
import { readSqliteStore } from '../helpers/sql-store-reader.js';

// The real module's store (fixtures/prosody-0.12-p1/data) copied to SQLite and back must arrive
// unchanged, as read by Lua (files) and by better-sqlite3 (rows).
const P1_DATA = join(fixture('prosody-0.12-p1'), 'data');

test('migrate_internal_to_sql_and_back: the module\'s store survives the round trip', () => {
  const dir = tempDir();
  const src = copyTree(P1_DATA, join(dir, 'src'));
  const db = join(dir, 'prosody.sqlite');
  const sql = ['--sql-driver', 'sqlite3', '--sql-database', db];
  const there = runCli(['migrate', '--json', '--from', 'internal', '--to', 'sql', '--data-dir', src, ...sql]);
  assert.equal(there.code, 0, there.stderr);
  assert.deepEqual(readSqliteStore(db), readStoreWithLua(P1_DATA));
  assert.deepEqual(JSON.parse(there.stdout).store, { written: 13, unchanged: 0, deleted: 0 }); // 2 months + 11 marks
  const back = join(dir, 'back');
  const r = runCli(['migrate', '--from', 'sql', '--to', 'internal', '--data-dir', back, ...sql]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readStoreWithLua(back), readStoreWithLua(P1_DATA));
  // Again: nothing left to write.
  const again = runCli(['migrate', '--json', '--from', 'internal', '--to', 'sql', '--data-dir', src, ...sql]);
  assert.deepEqual(JSON.parse(again.stdout).store, { written: 0, unchanged: 13, deleted: 0 });
});

test('migrate_dry_run_and_bad_options_write_nothing', () => {
  const dir = tempDir();
  const src = copyTree(P1_DATA, join(dir, 'src'));
  const before = snapshotTree(src);
  const db = join(dir, 'prosody.sqlite');
  const dry = runCli(['migrate', '--dry-run', '--from', 'internal', '--to', 'sql', '--data-dir', src, '--sql-database', db]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stderr, /would write 13 rows/);
  for (const args of [
    ['--from', 'internal', '--to', 'internal', '--data-dir', src],
    ['--from', 'files', '--to', 'sql', '--data-dir', src, '--sql-database', db],
    ['--from', 'internal', '--to', 'sql', '--sql-database', db],
    ['--from', 'internal', '--to', 'sql', '--data-dir', src],
  ]) {
    const r = runCli(['migrate', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.deepEqual(snapshotTree(src), before);
  assert.throws(() => readSqliteStore(db)); // no database file was made
});
