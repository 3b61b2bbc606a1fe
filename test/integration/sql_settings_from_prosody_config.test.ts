import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore, readSqliteStore } from '../helpers/sql-store-reader.js';

// The operator's Prosody runs with `storage = "sql"`: the tool finds the database in prosody.cfg.lua.
// The config is Debian 12's own (fixtures/prosody-0.12-debian-config) with its commented storage
// and sql lines switched on, as its comments tell an operator to; data_path is added on top.
// `check` is given the options of the backfill it predicts (with the config's log, missing here, it would fail as that run).
// Expected stores: the real module's .dat files of the p1 fixture; the rows are read by other clients.
const P1 = fixture('prosody-0.12-p1');
const COUNTING = ['--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log')];
const PASSWORD = 'Pw-never-printed-7f3a';

/** Debian's /etc/prosody copied, with `edit` applied to prosody.cfg.lua; returns the config file, its data dir and text. */
function debianConfig(edit: (text: string) => string): { file: string; data: string; text: string; line: (s: string) => number } {
  const dir = tempDir('mv-etc-prosody-');
  cpSync(fixture('prosody-0.12-debian-config'), dir, { recursive: true, verbatimSymlinks: true });
  const file = join(dir, 'prosody.cfg.lua');
  const data = join(tempDir(), 'data');
  mkdirSync(data); // Prosody's data dir exists; SQLite makes the database file in it, not the folder
  const text = `data_path = "${data}"\n${edit(readFileSync(file, 'utf8'))}`;
  writeFileSync(file, text);
  const line = (s: string) => text.split('\n').findIndex((l) => l.startsWith(s)) + 1;
  return { file, data, text, line };
}

/** Uncomments a line of Debian's config that starts with `--<start>`. */
function uncomment(start: string, change: (line: string) => string = (l) => l): (text: string) => string {
  return (text) => {
    assert.ok(text.includes(`\n--${start}`), `Debian's config has no line --${start}`);
    return text.replace(new RegExp(`\\n--(${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\n]*)`), (_, l: string) => `\n${change(l)}`);
  };
}

function ok<R extends { code: number; stderr: string }>(r: R): R {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

const moduleReport = () => ok(runCli(['report', '--data-dir', join(P1, 'data'), '--format', 'json'])).stdout;

test('prosody_config_storage_sql_default_sqlite: storage = "sql" alone means prosody.sqlite in the data dir', () => {
  const cfg = debianConfig(uncomment('storage = "sql"'));
  ok(runCli(['backfill', '-q', '--prosody-config', cfg.file, ...COUNTING]));
  const db = join(cfg.data, 'prosody.sqlite');
  assert.deepEqual(readSqliteStore(db), readStoreWithLua(join(P1, 'data')));
  assert.equal(ok(runCli(['report', '--prosody-config', cfg.file, '--format', 'json'])).stdout, moduleReport());
  const check = ok(runCli(['check', '--prosody-config', cfg.file, ...COUNTING]));
  assert.match(check.stderr, new RegExp(`storage: sql \\(${cfg.file}:${cfg.line('storage = "sql"')}\\)`));
  assert.match(check.stderr, new RegExp(`sql: driver SQLite3 \\(${cfg.file}: no sql, Prosody's default\\), database ${db} .*password unset`));
  assert.match(check.stderr, /SQL store: sqlite3:.*prosody\.sqlite: 2 hosts, 11 user records/);
  // Flags win over the config: another database, or the internal store.
  const other = runCli(['report', '--prosody-config', cfg.file, '--sql-database', join(cfg.data, 'other.sqlite')]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /other\.sqlite: no such SQLite database/);
  assert.equal(ok(runCli(['report', '--prosody-config', cfg.file, '--storage', 'internal', '--data-dir', join(P1, 'data'), '--format', 'json'])).stdout, moduleReport());
  // prune finds the same store (and, in a dry run, leaves it alone).
  assert.match(ok(runCli(['prune', '--prosody-config', cfg.file, '--keep-months', '1', '--now', '2026-10', '--dry-run'])).stderr, /would remove 2 host months and 11 user records/);
});

test('prosody_config_sqlite_relative_database: a relative SQLite file is in the data dir, not beside the config', () => {
  const cfg = debianConfig((t) => uncomment('sql = { driver = "SQLite3"', (l) => l.replace('"prosody.sqlite"', '"stats/visitors.sqlite"'))(uncomment('storage = "sql"')(t)));
  mkdirSync(join(cfg.data, 'stats'));
  ok(runCli(['backfill', '-q', '--prosody-config', cfg.file, ...COUNTING]));
  assert.deepEqual(readSqliteStore(join(cfg.data, 'stats', 'visitors.sqlite')), readStoreWithLua(join(P1, 'data')));
});

test('prosody_config_mysql_is_refused_clearly, and only where the statistics would be in it', () => {
  const mysql = uncomment('sql = { driver = "MySQL"');
  const cfg = debianConfig((t) => mysql(uncomment('storage = "sql"')(t)));
  for (const command of [['report'], ['prune', '--keep-months', '3'], ['check']]) {
    const r = runCli([...command, '--prosody-config', cfg.file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').at(-1), `monthly-visitors: ${cfg.file}:${cfg.line('sql = { driver = "MySQL"')}: sql driver "MySQL" is not supported: this tool reads and writes SQLite3 and PostgreSQL`);
  }
  // Storage internal (Debian's default): a MySQL `sql` for other stores is no concern of ours.
  const internal = debianConfig(mysql);
  ok(runCli(['backfill', '-q', '--prosody-config', internal.file, ...COUNTING]));
  assert.deepEqual(readStoreWithLua(internal.data), readStoreWithLua(join(P1, 'data')));
  const check = ok(runCli(['check', '--json', '--prosody-config', internal.file, ...COUNTING]));
  assert.ok(!check.stdout.includes('secret') && !check.stderr.includes('secret'), 'the password was printed');
  assert.deepEqual(JSON.parse(check.stdout).config.sql.password, { value: 'set', origin: `${internal.file}:${internal.line('sql = { driver = "MySQL"')}` });
});

test('prosody_config_storage_table: only the monthly-visitors entry (or default_storage) decides', () => {
  const storageOf = (line: string) => {
    // On top: at the end of the file an option would belong to the last VirtualHost.
    const cfg = debianConfig((t) => `${line}\n${t}`);
    return JSON.parse(ok(runCli(['check', '--json', '--prosody-config', cfg.file, ...COUNTING])).stdout).config.storage.value;
  };
  assert.equal(storageOf('storage = { ["monthly-visitors"] = "sql" }'), 'sql');
  assert.equal(storageOf('storage = { archive = "sql", monthly_visitors = "sql" }'), 'internal'); // Prosody's store is named monthly-visitors
  assert.equal(storageOf('storage = { archive = "sql" }\ndefault_storage = "sql"'), 'sql');
  assert.equal(storageOf('storage = "sql2"'), 'sql');
  const cfg = debianConfig((t) => `${t}\nVirtualHost "example.com"\nstorage = "sql"\n`);
  const r = runCli(['report', '--prosody-config', cfg.file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /VirtualHost "example\.com" keeps the monthly-visitors store in other storage \(sql\) than the global settings \(internal\)/);
});

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test('prosody_config_postgresql: backfill, report and check find the database; the password is never shown', { skip: pgReason ?? false }, () => {
  cluster = startPgCluster();
  const pg = cluster;
  const db = pg.createDatabase('prosody_cfg');
  const cfg = debianConfig((t) =>
    uncomment('sql = { driver = "PostgreSQL"', () => `sql = { driver = "PostgreSQL", database = "${db}", username = "${pg.username}", password = "${PASSWORD}", host = "${pg.host}" }`)(uncomment('storage = "sql"')(t)),
  );
  const outputs: string[] = [];
  const run = (args: string[]) => {
    const r = ok(runCli(args));
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  run(['backfill', '--prosody-config', cfg.file, ...COUNTING]);
  assert.deepEqual(readPgStore(pg, db), readStoreWithLua(join(P1, 'data')));
  assert.equal(run(['report', '--prosody-config', cfg.file, '--format', 'json']).stdout, moduleReport());
  const check = run(['check', '--prosody-config', cfg.file, ...COUNTING]);
  const at = `${cfg.file}:${cfg.line('sql = { driver = "PostgreSQL"')}`;
  assert.ok(check.stderr.includes(`sql: driver PostgreSQL (${at}), database ${db} (${at}), host ${pg.host} (${at}), username ${pg.username} (${at}), password set (${at})`), check.stderr);
  assert.match(check.stderr, /SQL store: postgresql:.*: 2 hosts, 11 user records/);
  run(['check', '--json', '--prosody-config', cfg.file, ...COUNTING]);
  run(['prune', '--prosody-config', cfg.file, '--keep-months', '2', '--now', '2026-10', '--json']);
  for (const out of outputs) assert.ok(!out.includes(PASSWORD), 'the password was printed');
});
