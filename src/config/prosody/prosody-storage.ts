/**
 * Where Prosody keeps mod_monthly_visitors' store (named `monthly-visitors`), read from
 * prosody.cfg.lua the way Prosody 0.12 decides it:
 * - core/storagemanager.lua get_driver: `storage` is a driver name for every store, or a table
 *   of store name → driver; a store it does not name uses `default_storage`, else `internal`.
 *   `sql2` is an old name of `sql` (get_storage_config). Each is read per host, falling back to
 *   the global section, as config.get(host, …) does.
 * - modules/mod_storage_sql.lua: `sql` (default `{ driver = "SQLite3" }`) gives driver, database,
 *   host, port, username, password; a relative SQLite database is relative to the data dir, and a
 *   missing one is `prosody.sqlite` (normalize_database: resolve_relative_path(prosody.paths.data,
 *   database or "prosody.sqlite")).
 * This tool writes all hosts to one store, so hosts that would keep it in different places are a
 * configuration error.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { SqlLayer, StorageLayer } from '../storage-settings.js';
import { DataTable, formatWhere, luaTypeOf, type TableEntry } from './lua-data.js';
import { GLOBAL, type LuaConfig } from './read-lua-config.js';
import { STORE_NAME } from '../../storage/prosody-paths.js';

const SQL_FIELDS = ['driver', 'database', 'host', 'port', 'username', 'password'] as const;

export function prosodyStorage(config: LuaConfig, virtualHosts: readonly string[], dataPath: string): StorageLayer {
  const global = storageOf(config, GLOBAL, dataPath);
  for (const host of virtualHosts) {
    const own = storageOf(config, host, dataPath);
    if (fingerprint(own) !== fingerprint(global)) {
      const where = own.storage?.origin ?? global.storage?.origin ?? config.file;
      throw new ConfigError(
        `${where}: VirtualHost "${host}" keeps the ${STORE_NAME} store in other storage (${own.storage?.value}) than the global settings (${global.storage?.value}); this tool writes every host to one store`,
      );
    }
  }
  return global;
}

function storageOf(config: LuaConfig, section: string, dataPath: string): StorageLayer {
  const get = (option: string): TableEntry | undefined => config.sections.get(section)?.get(option) ?? config.sections.get(GLOBAL)?.get(option);
  const storage = driverFor(get('storage'), get('default_storage'), config.file);
  const sqlEntry = get('sql');
  // The `sql` settings matter when the store is in SQL (Prosody's default then: SQLite3), and are
  // offered to `--storage sql` otherwise (e.g. to migrate into the database Prosody is set up for).
  if (sqlEntry === undefined && storage.value !== 'sql') return { storage };
  return { storage, sql: sqlSettings(sqlEntry, dataPath, config.file) };
}

function driverFor(storage: TableEntry | undefined, fallback: TableEntry | undefined, file: string): { value: string; origin: string } {
  let name: TableEntry | undefined;
  if (storage !== undefined && typeof storage.value === 'string') name = storage;
  else if (storage !== undefined && storage.value instanceof DataTable) {
    const own = storage.value.entries();
    for (const [key, entry] of own) if (key === STORE_NAME) name = entry;
  } else if (storage !== undefined) {
    throw new ConfigError(`${formatWhere(storage.where)}: storage must be a string or a table of store = driver, not a ${luaTypeOf(storage.value)}`);
  }
  name ??= fallback;
  if (name === undefined) return { value: 'internal', origin: `${file}: no storage, Prosody's default` };
  if (typeof name.value !== 'string') throw new ConfigError(`${formatWhere(name.where)}: a storage driver must be a string, not a ${luaTypeOf(name.value)}`);
  return { value: name.value === 'sql2' ? 'sql' : name.value, origin: formatWhere(name.where) };
}

function sqlSettings(entry: TableEntry | undefined, dataPath: string, file: string): SqlLayer {
  if (entry === undefined) {
    return { driver: { value: 'SQLite3', origin: `${file}: no sql, Prosody's default` }, database: { value: resolve(dataPath, 'prosody.sqlite'), origin: `${file}: no sql, Prosody's default in the data dir` } };
  }
  if (!(entry.value instanceof DataTable)) throw new ConfigError(`${formatWhere(entry.where)}: sql must be a table (driver, database, host, …), not a ${luaTypeOf(entry.value)}`);
  const where = formatWhere(entry.where);
  const out: Record<string, { value: string; origin: string }> = {};
  for (const field of SQL_FIELDS) {
    const v = entry.value.get(field);
    if (v === null) continue;
    if (typeof v !== 'string' && !(field === 'port' && typeof v === 'number')) {
      throw new ConfigError(`${where}: sql.${field} must be a ${field === 'port' ? 'number' : 'string'}, not a ${luaTypeOf(v)}`);
    }
    out[field] = { value: String(v), origin: where };
  }
  // mod_storage_sql asserts both: "Both the SQL driver and the database need to be specified".
  if (out.driver === undefined) throw new ConfigError(`${where}: sql has no driver (Prosody: "Both the SQL driver and the database need to be specified")`);
  if (out.driver.value.toLowerCase() === 'sqlite3' && out.database?.value !== ':memory:') {
    out.database = { value: resolve(dataPath, out.database?.value ?? 'prosody.sqlite'), origin: out.database === undefined ? `${where}: no database, Prosody's default in the data dir` : where };
  }
  return out as SqlLayer;
}

/** What decides where a host's statistics are (the password included, so it is compared, never shown). */
function fingerprint(layer: StorageLayer): string {
  return JSON.stringify([layer.storage?.value, SQL_FIELDS.map((f) => layer.sql?.[f]?.value ?? null)]);
}
