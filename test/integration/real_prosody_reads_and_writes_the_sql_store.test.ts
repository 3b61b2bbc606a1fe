import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { migratorUnavailable, prosodyMigrate } from '../helpers/prosody-migrator.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';

// Prosody 0.12 itself (prosody-migrator with mod_storage_sql) reads the SQLite store we wrote and
// writes it out as `internal` files, which must be what the real module wrote for the same log;
// and the other way round, the rows Prosody writes from the module's files are what we read.
const P1 = fixture('prosody-0.12-p1');
const HOSTS = ['example.com', 'chat.example.org'];
const COMMON = ['--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log')];
const skip = migratorUnavailable() ?? false;

test('real_prosody_reads_our_sqlite_store: mod_storage_sql gives back what mod_monthly_visitors wrote', { skip }, () => {
  const dir = tempDir();
  const db = join(dir, 'prosody.sqlite');
  const r = runCli(['backfill', '--storage', 'sql', '--sql-database', db, ...COMMON]);
  assert.equal(r.code, 0, r.stderr);
  const out = join(dir, 'out');
  mkdirSync(out);
  prosodyMigrate(dir, { type: 'sql', sqliteFile: db }, { type: 'internal', path: out }, HOSTS);
  // mod_storage_sql's users() lists the host record's user "" too, so the migrator copies the host
  // record once more as the "user" with an empty name; that file is Prosody's, not a user's.
  for (const host of HOSTS) rmSync(join(out, encodeURIComponent(host).replace(/\./g, '%2e'), 'monthly%2dvisitors', '.dat'));
  assert.deepEqual(readStoreWithLua(out), readStoreWithLua(join(P1, 'data')));
});

test('we_read_what_real_prosody_wrote_to_sqlite: backfill of the same log finds every month and mark in place', { skip }, () => {
  const dir = tempDir();
  const files = join(dir, 'data');
  cpSync(join(P1, 'data'), files, { recursive: true });
  const db = join(dir, 'prosody.sqlite');
  // Prosody makes the table (its own DDL) and writes the module's .dat files as rows.
  prosodyMigrate(dir, { type: 'internal', path: files }, { type: 'sql', sqliteFile: db }, HOSTS);
  const r = runCli(['backfill', '--json', '--storage', 'sql', '--sql-database', db, ...COMMON]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.deepEqual(
    summary.months.map((m: { host: string; action: string; differs: boolean }) => [m.host, m.action, m.differs]),
    [['chat.example.org', 'keep', false], ['example.com', 'keep', false]],
  );
  assert.equal(summary.marksRaised, 0);
  assert.deepEqual(summary.store, { written: 0, unchanged: 0, deleted: 0 });
});

// The same with PostgreSQL (mod_storage_sql through LuaDBI's PostgreSQL driver), and `report` on
// the rows Prosody wrote must be the report of the module's own files.
const pgSkip = pgUnavailable() ?? migratorUnavailable('postgresql') ?? false;
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test('real_prosody_reads_our_postgresql_store, and we report what it writes there', { skip: pgSkip }, () => {
  cluster = startPgCluster();
  const pg = cluster;
  const flags = (database: string) => ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', database];
  const ours = pg.createDatabase('ours');
  const dir = tempDir();
  const r = runCli(['backfill', ...flags(ours), ...COMMON]);
  assert.equal(r.code, 0, r.stderr);
  const out = join(dir, 'out');
  mkdirSync(out);
  prosodyMigrate(dir, { type: 'sql', postgres: { host: pg.host, database: ours, username: pg.username } }, { type: 'internal', path: out }, HOSTS);
  for (const host of HOSTS) rmSync(join(out, encodeURIComponent(host).replace(/\./g, '%2e'), 'monthly%2dvisitors', '.dat'));
  assert.deepEqual(readStoreWithLua(out), readStoreWithLua(join(P1, 'data')));

  const theirs = pg.createDatabase('theirs');
  const files = join(dir, 'data');
  cpSync(join(P1, 'data'), files, { recursive: true });
  prosodyMigrate(dir, { type: 'internal', path: files }, { type: 'sql', postgres: { host: pg.host, database: theirs, username: pg.username } }, HOSTS);
  const report = runCli(['report', ...flags(theirs), '--format', 'json']);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(report.stdout, runCli(['report', '--data-dir', join(P1, 'data'), '--format', 'json']).stdout);
  const again = runCli(['backfill', '--json', ...flags(theirs), ...COMMON]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).store, { written: 0, unchanged: 0, deleted: 0 });
});
