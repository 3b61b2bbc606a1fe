import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua, type StoreJson } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore, readSqliteStore } from '../helpers/sql-store-reader.js';
import Database from 'better-sqlite3';

// Expected stores come from elsewhere than our program: the real module's data/ (p1) and the
// hand-computed expected/*.json of the captures. The SQL rows are read by other clients.
const P1 = fixture('prosody-0.12-p1');
const CAPTURED = fixture('prosody-0.12-captured');
const expected = (name: string): StoreJson => JSON.parse(readFileSync(join(CAPTURED, 'expected', name), 'utf8'));
const COMMON = [...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'];

interface Backend {
  readonly name: string;
  /** A fresh, empty store: its --storage flags and a reader. */
  fresh(): { flags: string[]; read(): StoreJson };
}

const sqlite: Backend = {
  name: 'sqlite3',
  fresh() {
    const file = join(tempDir(), 'prosody.sqlite');
    return { flags: ['--storage', 'sql', '--sql-driver', 'sqlite3', '--sql-database', file], read: () => readSqliteStore(file) };
  },
};

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
let dbCount = 0;
const postgres: Backend = {
  name: 'postgresql',
  fresh() {
    cluster ??= startPgCluster();
    const db = cluster.createDatabase(`mv${++dbCount}`);
    const pg = cluster;
    return {
      flags: ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db],
      read: () => readPgStore(pg, db),
    };
  },
};
after(() => cluster?.stop());

function ok<R extends { code: number; stderr: string }>(r: R): R {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** Splits a log at line boundaries into `n` pieces. */
function pieces(file: string, n: number): Buffer[] {
  const buf = readFileSync(file);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    let end = i === n ? buf.length : Math.floor((buf.length * i) / n);
    while (end < buf.length && buf[end - 1] !== 0x0a) end++;
    out.push(buf.subarray(start, end));
    start = end;
  }
  return out;
}

for (const backend of [sqlite, postgres]) {
  const skip = backend === postgres && pgReason !== null ? pgReason : false;

  test(`sql_${backend.name}_backfill_of_real_log: the rows hold what mod_monthly_visitors wrote to its .dat files`, { skip }, () => {
    const store = backend.fresh();
    ok(runCli(['backfill', ...store.flags, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...COMMON, join(P1, 'prosody.debug.log')]));
    assert.deepEqual(store.read(), readStoreWithLua(join(P1, 'data')));
  });

  test(`sql_${backend.name}_tail_across_month_boundary: three cron runs over a growing log give the hand-computed store`, { skip }, () => {
    const store = backend.fresh();
    const dir = tempDir();
    const live = join(dir, 'prosody.log');
    writeFileSync(live, '');
    for (const piece of pieces(join(CAPTURED, 'month-boundary.debug.log'), 3)) {
      appendFileSync(live, piece);
      ok(runCli(['tail', '--once', ...store.flags, '--state', join(dir, 'state.json'), '--mmdb', join(CAPTURED, 'test-GeoIP2-City.mmdb'), ...COMMON, live]));
    }
    assert.deepEqual(store.read(), expected('month-boundary.debug.all.json'));
    // The checkpoint sits in the state file, not in the database.
    assert.ok(existsSync(join(dir, 'state.json')));
    // A second run over the same log (checkpoint lost) counts nobody twice.
    ok(runCli(['tail', '--once', ...store.flags, '--state', join(dir, 'other-state.json'), '--mmdb', join(CAPTURED, 'test-GeoIP2-City.mmdb'), ...COMMON, live]));
    assert.deepEqual(store.read(), expected('month-boundary.debug.all.json'));
  });

  test(`sql_${backend.name}_backfill_older_months_into_live_store: new months kept, old months added`, { skip }, () => {
    const store = backend.fresh();
    const mmdb = ['--mmdb', join(CAPTURED, 'test-GeoIP2-City.mmdb')];
    ok(runCli(['backfill', ...store.flags, ...mmdb, ...COMMON, join(CAPTURED, 'new-year.debug.log')]));
    const r = ok(runCli(['backfill', '--json', ...store.flags, ...mmdb, ...COMMON, join(CAPTURED, 'month-boundary.debug.log')]));
    assert.deepEqual(
      JSON.parse(r.stdout).months.map((m: { action: string }) => m.action),
      ['add', 'add', 'add', 'add'],
    );
    const want = expected('new-year.debug.all.json');
    for (const [host, rec] of Object.entries(expected('month-boundary.debug.all.json'))) {
      const o = (want[host] ??= { last_recorded: {}, months: {} });
      Object.assign(o.months, rec.months);
      for (const [user, month] of Object.entries(rec.last_recorded)) if (!(o.last_recorded[user]! > month)) o.last_recorded[user] = month;
    }
    assert.deepEqual(store.read(), want);
  });

  test(`sql_${backend.name}_dry_run_writes_nothing`, { skip }, () => {
    const store = backend.fresh();
    const r = ok(runCli(['backfill', '--dry-run', ...store.flags, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...COMMON, join(P1, 'prosody.debug.log')]));
    assert.match(r.stderr, /11 counted/);
    if (backend === sqlite) assert.ok(!existsSync(store.flags.at(-1)!), 'a dry run made the database file');
    else assert.equal(cluster!.psql(store.flags.at(-1)!, `SELECT to_regclass('prosody') IS NULL`).trim(), 't', 'a dry run made the table');
  });
}

test('sql_options_that_do_not_fit_stop_before_anything_is_read', () => {
  const mmdb = ['--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), join(P1, 'prosody.debug.log')];
  const file = join(tempDir(), 'x.sqlite');
  for (const [args, message] of [
    [['--storage', 'sql'], /--sql-database/],
    [['--storage', 'mysql', '--sql-database', file], /--storage "mysql"/],
    [['--storage', 'sql', '--sql-driver', 'oracle', '--sql-database', file], /--sql-driver "oracle"/],
    [['--storage', 'sql', '--sql-database', file, '--sql-host', 'db.example'], /--sql-driver postgresql/],
    [['--sql-database', file, '--data-dir', tempDir()], /goes with --storage sql/],
    [['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-database', 'x', '--sql-password-file', join(tempDir(), 'missing')], /--sql-password-file/],
  ] as const) {
    const r = runCli(['backfill', ...args, ...mmdb]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(file));
  }
});

test('sql_unreachable_postgresql_stops_with_one_line_before_anything_is_written', () => {
  const dir = tempDir();
  const state = join(dir, 'state.json');
  const r = runCli(['tail', '--once', '--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', join(dir, 'no-socket-here'), '--sql-database', 'prosody',
    '--state', state, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), join(P1, 'prosody.debug.log')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^monthly-visitors: postgresql:.*no-socket-here\/prosody: connect ENOENT/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.ok(!existsSync(state));
});

test('sql_corrupt_row_stops_the_run_naming_the_row_not_the_user', () => {
  const store = sqlite.fresh();
  const args = ['backfill', ...store.flags, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...COMMON, join(P1, 'prosody.debug.log')];
  ok(runCli(args));
  const file = store.flags.at(-1)!;
  const db = new Database(file);
  db.prepare(`UPDATE prosody SET type = 'number' WHERE user = 'alice' AND host = 'example.com'`).run();
  db.prepare(`UPDATE prosody SET value = '{"client-IOS":' WHERE user = '' AND host = 'chat.example.org'`).run();
  db.close();
  const before = readFileSync(file);
  for (const extra of [['--replace'], []]) {
    const r = runCli([...args, ...extra]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /row \(host "(chat\.example\.org|example\.com)", store "monthly-visitors", (host record|a user record), key "[^"]+"\): /);
    assert.ok(!r.stderr.includes('alice'));
  }
  assert.ok(readFileSync(file).equals(before), 'the database changed');
});
