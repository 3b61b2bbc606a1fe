import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSql, resolveStorage, type SqlLayer } from '../../src/config/storage-settings.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const at = (value: string, origin: string) => ({ value, origin });
const CFG = 'prosody.cfg.lua:160';
const fromConfig: SqlLayer = { driver: at('PostgreSQL', CFG), database: at('prosody', CFG), host: at('db.example', CFG), username: at('prosody', CFG), password: at('secret', CFG) };
const resolve = (storage: string, origin: string, sql: SqlLayer) => resolveStorage({ storage: at(storage, origin), sql, dataDir: at('/var/lib/prosody', CFG) });

test('flags beat the config field by field: --sql-database alone keeps the config\'s server and login', () => {
  const merged = mergeSql([fromConfig, undefined, { database: at('stats', '--sql-database') }]);
  assert.deepEqual(resolve('sql', 'prosody.cfg.lua:156', merged), {
    kind: 'sql',
    sql: { driver: 'postgresql', database: 'stats', host: 'db.example', port: undefined, username: 'prosody', password: 'secret' },
  });
});

test('a --sql-driver flag starts afresh: no host or password of the config is kept', () => {
  const merged = mergeSql([fromConfig, { driver: at('sqlite3', '--sql-driver'), database: at('/tmp/x.sqlite', '--sql-database') }]);
  assert.deepEqual(merged, { driver: at('sqlite3', '--sql-driver'), database: at('/tmp/x.sqlite', '--sql-database') });
  assert.deepEqual(resolve('sql', '--storage', merged), { kind: 'sql', sql: { driver: 'sqlite3', database: '/tmp/x.sqlite' } });
});

test('internal storage ignores the config\'s sql, but not a --sql-* flag', () => {
  assert.deepEqual(resolve('internal', 'prosody.cfg.lua: no storage', fromConfig), { kind: 'internal', dataDir: '/var/lib/prosody' });
  assert.throws(() => resolve('internal', 'prosody.cfg.lua:156', mergeSql([{ database: at('x', '--sql-database') }])), (e: Error) => e instanceof UsageError && /--sql-database goes with --storage sql \(prosody\.cfg\.lua:156 says internal\)/.test(e.message));
});

test('bad values: a ConfigError naming file and line from the config, a UsageError from a flag', () => {
  assert.throws(() => resolve('sql', CFG, { ...fromConfig, driver: at('MySQL', CFG) }), (e: Error) => e instanceof ConfigError && e.message === `${CFG}: sql driver "MySQL" is not supported: this tool reads and writes SQLite3 and PostgreSQL`);
  assert.throws(() => resolve('sql', CFG, { ...fromConfig, port: at('54x', CFG) }), (e: Error) => e instanceof ConfigError && e.message.startsWith(`${CFG}: port "54x"`));
  assert.throws(() => resolve('memory', 'prosody.cfg.lua:3', {}), (e: Error) => e instanceof ConfigError && /storage "memory"/.test(e.message));
  assert.throws(() => resolve('sql', '--storage', { driver: at('oracle', '--sql-driver') }), (e: Error) => e instanceof UsageError && e.message === '--sql-driver "oracle": expected sqlite3 or postgresql');
  assert.throws(() => resolve('sql', CFG, { driver: at('SQLite3', CFG), database: at(':memory:', CFG) }), ConfigError);
  // No message ever holds the password.
  for (const sql of [{ ...fromConfig, driver: at('MySQL', CFG) }, { ...fromConfig, port: at('0', CFG) }]) {
    assert.throws(() => resolve('sql', CFG, sql), (e: Error) => !e.message.includes('secret'));
  }
});
