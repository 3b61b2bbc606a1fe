import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { pgUnavailable, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { readPgStore } from '../helpers/sql-store-reader.js';

// A first tail run (or a backfill) over a log of many users commits them in one batch. PostgreSQL
// keeps advisory locks in a shared table of about max_locks_per_transaction × max_connections
// entries; a batch that took one lock per user would fail with "out of shared memory". Here the
// table is small (10 × 40), and a batch of 3000 users of one host must still commit. Expected by
// hand: every user logged in once from the same address with the same client, so the month has
// 3000 under one client key and 3000 under one place key, and 3000 marks.
const USERS = 3000;
const COMMON = ['--mmdb', join(fixture('prosody-0.12-p1'), 'test-GeoIP2-City.mmdb'), '--client-pattern', '^Gajim=DESKTOP', '--timezone', 'UTC', '--year', '2026'];

function bigLog(): string {
  const file = join(tempDir(), 'prosody.log');
  let text = '';
  for (let i = 0; i < USERS; i++) {
    const s = i % 86400;
    const at = `Oct 0${1 + Math.floor(i / 86400)} ${[Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((x) => String(x).padStart(2, '0')).join(':')}`;
    const id = `c2s${i.toString(16)}`;
    const jid = `user${i}@example.com`;
    text += `${at} ${id}\tinfo\tClient connected\n${at} ${id}\tinfo\tSuccessful authentication as ${jid} from IP: 127.0.1.10\n${at} ${id}\tdebug\tResource bound: ${jid}/Gajim\n`;
  }
  writeFileSync(file, text);
  return file;
}

const pgReason = pgUnavailable();
let cluster: PgCluster | undefined;
after(() => cluster?.stop());

test(`big_batches_into_a_postgresql_with_a_small_lock_table: ${USERS} users in one tail batch and in one backfill`, { skip: pgReason ?? false }, () => {
  cluster = startPgCluster(['max_locks_per_transaction=10']);
  const pg = cluster;
  const log = bigLog();
  for (const command of ['tail', 'backfill']) {
    const db = pg.createDatabase(command);
    const sql = ['--storage', 'sql', '--sql-driver', 'postgresql', '--sql-host', pg.host, '--sql-username', pg.username, '--sql-database', db];
    const args = command === 'tail' ? ['tail', '--once', '--state', join(tempDir(), 'state.json')] : ['backfill'];
    const r = runCli([...args, '-q', ...sql, ...COMMON, log]);
    assert.equal(r.code, 0, r.stderr);
    const store = readPgStore(pg, db)['example.com']!;
    const counts = Object.entries(store.months['2026-10']!);
    assert.deepEqual(counts.map(([k, n]) => [k.split('-')[0], n]), [['client', USERS], ['geo', USERS]], command);
    assert.equal(Object.keys(store.last_recorded).length, USERS);
    assert.ok(Object.values(store.last_recorded).every((m) => m === '2026-10'));
  }
});
