/**
 * A `tail` run over a log whose users are mostly marked already: past a few hundred users of a
 * host, the SQL store reads the host's marks in one query instead of one per user (sql-stats.ts).
 * The users it finds there must still be skipped as already counted, and only the new ones counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { readSqliteStore } from '../helpers/sql-store-reader.js';
import { tempDir } from '../helpers/tree.js';
import { ROOT } from '../helpers/paths.js';

/** Info-level Prosody lines of one login (the form Prosody 0.12 writes, as in the fixtures). */
function login(stamp: string, session: number, user: number): string[] {
  const id = `c2s${(0x557f90000000 + session).toString(16)}`;
  const jid = `user${user}@example.org`;
  return [
    `${stamp} ${id}\tinfo\tClient connected`,
    `${stamp} ${id}\tinfo\tAuthenticated as ${jid}`,
    `${stamp} ${id}\tinfo\tSuccessful authentication as ${jid} from IP: 10.0.${user >> 8}.${user & 255}`,
    `${stamp} ${id}\tinfo\tClient disconnected: connection closed`,
  ];
}

const MARKED = 400; // more than the 256 read one by one
const NEW = 100;

test(`tail_into_sql_store_of_many_marked_users: ${MARKED} users marked this month are skipped, ${NEW} new ones counted`, () => {
  const dir = tempDir();
  const database = join(dir, 'prosody.sqlite');
  const first = join(dir, 'first.log');
  const later = join(dir, 'later.log');
  writeFileSync(first, `${Array.from({ length: MARKED }, (_, u) => login(`Jul 02 10:${String(u % 60).padStart(2, '0')}:00`, u, u)).flat().join('\n')}\n`);
  // The same users again later in July, then new users.
  const again = Array.from({ length: MARKED }, (_, u) => login('Jul 25 09:00:00', 1000 + u, u)).flat();
  const fresh = Array.from({ length: NEW }, (_, k) => login('Jul 25 10:00:00', 2000 + k, MARKED + k)).flat();
  writeFileSync(later, `${[...again, ...fresh].join('\n')}\n`);
  const mmdb = join(ROOT, 'fixtures/prosody-0.12-p1/test-GeoIP2-City.mmdb'); // has no 10.0.0.0/8: every place unknown
  const sql = ['--storage', 'sql', '--sql-driver', 'sqlite3', '--sql-database', database, '--mmdb', mmdb, '--timezone', 'UTC', '--year', '2026'];

  const backfill = runCli(['backfill', '--json', ...sql, first]);
  assert.equal(backfill.code, 0, backfill.stderr);
  assert.equal(JSON.parse(backfill.stdout).counted, MARKED);

  const tail = runCli(['tail', '--once', '--json', '--state', join(dir, 'state.json'), ...sql, later]);
  assert.equal(tail.code, 0, tail.stderr);
  const summary = JSON.parse(tail.stdout) as { counted: number; alreadyCounted: number };
  assert.deepEqual([summary.counted, summary.alreadyCounted], [NEW, MARKED]);

  const store = readSqliteStore(database)['example.org']!;
  assert.deepEqual(store.months['2026-07'], { 'client-?': MARKED + NEW, 'geo-?-?-?': MARKED + NEW });
  assert.equal(Object.keys(store.last_recorded).length, MARKED + NEW);
  assert.ok(Object.values(store.last_recorded).every((m) => m === '2026-07'));
});
