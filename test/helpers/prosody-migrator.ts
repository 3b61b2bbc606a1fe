/**
 * Runs Prosody's own `prosody-migrator` (Debian package prosody) to copy the monthly-visitors
 * store between storage backends with Prosody's own storage modules (mod_storage_sql,
 * mod_storage_internal): the independent reader and writer of the SQL rows.
 */
import { chmodSync, chownSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export type MigratorStore =
  | { type: 'sql'; sqliteFile: string }
  | { type: 'sql'; postgres: { host: string; database: string; username: string } }
  | { type: 'internal'; path: string };

/** Why the migrator cannot run here with this SQL driver, or null. */
export function migratorUnavailable(driver: 'sqlite3' | 'postgresql' = 'sqlite3'): string | null {
  if (!existsSync('/usr/bin/prosody-migrator')) return 'prosody-migrator not installed (Debian package prosody)';
  if (spawnSync('lua5.4', ['-e', `require "DBI"; require "dbd.${driver}"`]).status !== 0) return `LuaDBI for ${driver} not installed (Debian package lua-dbi-${driver})`;
  return null;
}

function luaStore(name: string, s: MigratorStore, hosts: readonly string[]): string {
  // "-keyval": the migrator splits a store name at its last dash into name and type.
  const hostList = hosts.map((h) => `[${JSON.stringify(h)}] = { "monthly-visitors-keyval" }`).join('; ');
  const where =
    s.type === 'internal'
      ? `path = ${JSON.stringify(s.path)}`
      : 'sqliteFile' in s
        ? `driver = "SQLite3"; database = ${JSON.stringify(s.sqliteFile)}`
        : `driver = "PostgreSQL"; database = ${JSON.stringify(s.postgres.database)}; host = ${JSON.stringify(s.postgres.host)}; username = ${JSON.stringify(s.postgres.username)}`;
  return `${name} { type = ${JSON.stringify(s.type)}; ${where}; hosts = { ${hostList} } }\n`;
}

/** Copies the store of `hosts` from `input` to `output`. `dir` holds the config and both stores. */
export function prosodyMigrate(dir: string, input: MigratorStore, output: MigratorStore, hosts: readonly string[]): void {
  const config = join(dir, 'migrator.cfg.lua');
  writeFileSync(config, luaStore('input', input, hosts) + luaStore('output', output, hosts));
  // As root the migrator switches to the prosody user: it must be able to read and write there.
  if (process.getuid?.() === 0) giveTo(dir, 'prosody');
  const r = spawnSync('prosody-migrator', [`--config=${config}`, 'input', 'output'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0 || !/Done!/.test(r.stderr)) throw new Error(`prosody-migrator failed: ${r.stderr}${r.stdout}`);
}

function giveTo(dir: string, user: string): void {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  const walk = (p: string) => {
    chownSync(p, uid, gid);
    if (statSync(p).isDirectory()) {
      chmodSync(p, 0o755);
      for (const e of readdirSync(p)) walk(join(p, e));
    }
  };
  walk(dir);
}
