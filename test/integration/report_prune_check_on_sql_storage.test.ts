import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { MONTHS, counts, threeYearStore } from '../helpers/three-year-store.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore, readSqliteStore } from '../helpers/sql-store-reader.js';
import type { StoreJson } from '../helpers/lua-dat-reader.js';

// report, prune and check on Prosody's SQL storage, against independent sources: the real
// module's .dat files of the p1 fixture (report), and the hand-written three-year store of the
// internal prune test with its hand-computed result (prune). Rows are read by other clients.
const P1 = fixture('prosody-0.12-p1');
const BACKFILL = ['--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026', join(P1, 'prosody.debug.log')];

interface Store {
  readonly flags: string[];
  read(): StoreJson;
  /** Runs SQL with a client other than ours. */
  exec(sql: string): void;
}

const sqlite = {
  name: 'sqlite3',
  fresh(): Store {
    const file = join(tempDir(), 'prosody.sqlite');
    return {
      flags: ['--storage', 'sql', '--sql-driver', 'sqlite3', '--sql-database', file],
      read: () => readSqliteStore(file),
      exec: (sql) => {
        const db = new Database(file);
        db.exec(sql);
        db.close();
      },
    };
  },
};

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
let dbCount = 0;
const postgres = {
  name: 'postgresql',
  fresh(): Store {
    cluster ??= startPgCluster();
    const pg = cluster;
    const db = pg.createDatabase(`rpc${++dbCount}`);
    return {
      flags: ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db],
      read: () => readPgStore(pg, db),
      exec: (sql) => void pg.psql(db, sql),
    };
  },
};
after(() => cluster?.stop());

function ok<R extends { code: number; stderr: string }>(r: R): R {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

for (const backend of [sqlite, postgres]) {
  const skip = backend === postgres && pgReason !== null ? pgReason : false;

  test(`report_on_${backend.name}_store_is_the_report_of_the_module_files: every format, a backfill of the real log`, { skip }, () => {
    const store = backend.fresh();
    ok(runCli(['backfill', '-q', ...store.flags, ...BACKFILL]));
    for (const format of ['json', 'table', 'csv', 'prometheus']) {
      const fromSql = ok(runCli(['report', ...store.flags, '--format', format]));
      const fromModule = ok(runCli(['report', '--data-dir', join(P1, 'data'), '--format', format]));
      assert.equal(fromSql.stdout, fromModule.stdout, format);
    }
    const one = JSON.parse(ok(runCli(['report', ...store.flags, '--format', 'json', '--host', 'example.com'])).stdout);
    assert.deepEqual(one.hosts.map((h: { host: string }) => h.host), ['example.com']);
    const missing = runCli(['report', ...store.flags, '--host', 'nowhere.example']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--host nowhere\.example: no statistics for this host in .*\(hosts there: chat\.example\.org, example\.com\)/);
  });

  test(`prune_on_${backend.name}_three_years_keep_twelve: the hand-computed store, in one transaction`, { skip }, () => {
    const store = backend.fresh();
    ok(runCli(['migrate', '--from', 'internal', '--to', 'sql', '--data-dir', threeYearStore(), ...store.flags.slice(2)]));
    const before = store.read();
    const args = ['prune', ...store.flags, '--keep-months', '12', '--now', '2026-11'];
    const dry = ok(runCli([...args, '--dry-run', '--json']));
    assert.deepEqual(store.read(), before, 'a dry run changed rows');
    const table = ok(runCli(args));
    assert.deepEqual(
      table.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/)),
      [
        ['host', 'months removed', 'kept', 'oldest..newest removed', 'users removed', 'kept'],
        ['chat.example.org', '2', '0', '2024-02..2024-07', '1', '0'],
        ['example.com', '23', '13', '2024-01..2025-11', '5', '2'],
      ],
    );
    // 25 month rows and 6 mark rows go; nothing is rewritten (a row per month, not a file per host).
    assert.match(table.stderr, /removed 25 host months and 6 user records \(0 rows rewritten, 31 deleted\)/);
    assert.deepEqual(JSON.parse(dry.stdout).store, { written: 0, unchanged: 13, deleted: 31 });
    assert.equal(JSON.parse(dry.stdout).storeUnit, 'rows');
    const kept = MONTHS.slice(MONTHS.indexOf('2025-12'));
    // chat.example.org had only old months and one old user: no row of it is left. The keeper's
    // other key never was in SQL (migrate copies the module's keys), so its mark goes like the rest.
    assert.deepEqual(store.read(), {
      'example.com': {
        months: Object.fromEntries(kept.map((m) => [m, counts(MONTHS.indexOf(m) + 1)])),
        last_recorded: { dec2025: '2025-12', oct2026: '2026-10' },
      },
    });
    for (const out of [dry.stdout, dry.stderr, table.stdout, table.stderr]) {
      for (const name of ['old2024', 'mid2025', 'keeper', 'heidi', 'mile']) assert.ok(!out.includes(name), `output names ${name}`);
    }
    // Pruning again finds nothing old.
    assert.match(ok(runCli(args)).stderr, /removed 0 host months and 0 user records \(0 rows rewritten, 0 deleted\)/);
  });

  test(`check_on_${backend.name}_store: every row read; a corrupt one is named by host, store and key, never by user`, { skip }, () => {
    const store = backend.fresh();
    ok(runCli(['backfill', '-q', ...store.flags, ...BACKFILL]));
    const good = ok(runCli(['check', ...store.flags]));
    assert.match(good.stderr, /SQL store: (sqlite3|postgresql):.*: 2 hosts, 11 user records/);
    assert.match(good.stderr, /storage: sql \(--storage\)/);
    // report reads only host records (as on internal storage, where it opens no user file).
    for (const [corrupt, where, problem, commands] of [
      [`UPDATE prosody SET value = '{"client-IOS":' WHERE "user" = '' AND host = 'chat.example.org'`, 'host "chat.example.org", store "monthly-visitors", host record, key "2026-09"', 'not valid JSON', ['check', 'report', 'prune']],
      [`UPDATE prosody SET type = 'number' WHERE "user" = 'alice' AND host = 'example.com'`, 'host "example.com", store "monthly-visitors", a user record, key "last-recorded"', 'expected last-recorded of type "string", found type "number"', ['check', 'prune']],
    ] as const) {
      const bad = backend.fresh();
      ok(runCli(['backfill', '-q', ...bad.flags, ...BACKFILL]));
      bad.exec(corrupt);
      for (const command of commands) {
        const r = runCli([command, ...bad.flags, ...(command === 'prune' ? ['--keep-months', '1', '--now', '2027-01'] : [])]);
        assert.equal(r.code, 1, `${command}: ${r.stderr}`);
        const lines = r.stderr.trim().split('\n');
        const error = lines.at(-1)!;
        assert.ok(error.startsWith('monthly-visitors: '), error);
        assert.ok(error.includes(`row (${where}): `) && error.includes(problem), error);
        assert.ok(!r.stderr.includes('alice'));
      }
    }
    const none = runCli(['report', '--storage', 'sql', '--sql-database', join(tempDir(), 'missing.sqlite')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /missing\.sqlite: no such SQLite database/);
  });
}
