/**
 * Where the statistics are: Prosody's `internal` files in the data dir, or its SQL storage. Each
 * source of configuration (prosody.cfg.lua's `storage` and `sql`, the `--storage`/`--sql-*` flags)
 * gives a layer; the merged result is checked only by the commands that use the store
 * (`resolveStorage`), so an `sql = { driver = "MySQL" }` meant for Prosody's archives does not stop
 * a command that never opens the statistics.
 */
import fs from 'node:fs';
import { ConfigError, UsageError } from '../errors.js';
import type { SqlOptions } from '../storage/sql/sql-connection.js';
import type { StoreLocation } from '../storage/store-reader.js';
import type { Sourced } from './option-layers.js';

/** A StoreLocation, except that the data dir may still be missing (the command says what it needs). */
export type ResolvedStorage = { readonly kind: 'internal'; readonly dataDir: string | null } | Extract<StoreLocation, { kind: 'sql' }>;

/** The SQL settings one source gives (all as written: checked in resolveStorage). */
export interface SqlLayer {
  readonly driver?: Sourced<string>;
  readonly database?: Sourced<string>;
  readonly host?: Sourced<string>;
  readonly port?: Sourced<string>;
  readonly username?: Sourced<string>;
  /** Never printed: `check` says only whether it is set. */
  readonly password?: Sourced<string>;
}

export interface StorageLayer {
  /** `internal`, `sql`, or what else the Prosody config names (refused when used). */
  readonly storage?: Sourced<string>;
  readonly sql?: SqlLayer;
}

/** `--storage` and `--sql-*` as commander hands them over. */
export interface StorageFlags {
  readonly storage?: string;
  readonly sqlDriver?: string;
  readonly sqlDatabase?: string;
  readonly sqlHost?: string;
  readonly sqlPort?: string;
  readonly sqlUsername?: string;
  readonly sqlPasswordFile?: string;
}

const FIELDS = ['driver', 'database', 'host', 'port', 'username', 'password'] as const;
type Field = (typeof FIELDS)[number];
const FLAG_OF: Record<Field, string> = {
  driver: '--sql-driver',
  database: '--sql-database',
  host: '--sql-host',
  port: '--sql-port',
  username: '--sql-username',
  password: '--sql-password-file',
};

/** The flags as a layer. The password is read from its file now: an unreadable one stops the run. */
export function storageFlagsLayer(flags: StorageFlags): StorageLayer {
  const at = (value: string | undefined, flag: string) => (value === undefined ? undefined : { value, origin: flag });
  const sql: SqlLayer = {
    driver: at(flags.sqlDriver, FLAG_OF.driver),
    database: at(flags.sqlDatabase, FLAG_OF.database),
    host: at(flags.sqlHost, FLAG_OF.host),
    port: at(flags.sqlPort, FLAG_OF.port),
    username: at(flags.sqlUsername, FLAG_OF.username),
    password: at(readPassword(flags.sqlPasswordFile), FLAG_OF.password),
  };
  return { storage: at(flags.storage, '--storage'), sql: FIELDS.some((f) => sql[f] !== undefined) ? sql : undefined };
}

/**
 * Merges the SQL settings of the layers, lowest first, field by field (a flag beats the config
 * file), except that the layer naming the driver starts afresh: `--sql-driver sqlite3` must not
 * inherit a PostgreSQL host from prosody.cfg.lua.
 */
export function mergeSql(layers: ReadonlyArray<SqlLayer | undefined>): SqlLayer {
  let start = 0;
  layers.forEach((l, i) => {
    if (l?.driver !== undefined) start = i;
  });
  const merged: Record<string, Sourced<string>> = {};
  for (const layer of layers.slice(start)) for (const f of FIELDS) if (layer?.[f] !== undefined) merged[f] = layer[f]!;
  return merged as SqlLayer;
}

/**
 * The store the merged settings name, checked: the data dir's files, or an SQL database. Bad
 * values are a UsageError when a flag gave them, a ConfigError (naming file and line) otherwise.
 */
export function resolveStorage(settings: { storage: Sourced<string>; sql: SqlLayer; dataDir: Sourced<string | null> }): ResolvedStorage {
  const { storage, sql } = settings;
  const flagGiven = FIELDS.find((f) => sql[f]?.origin.startsWith('--'));
  if (storage.value === 'internal') {
    if (flagGiven !== undefined) {
      const why = storage.origin.startsWith('--') || storage.origin === 'default' ? '' : ` (${storage.origin} says internal)`;
      throw new UsageError(`${FLAG_OF[flagGiven]} goes with --storage sql${why}`);
    }
    return { kind: 'internal', dataDir: settings.dataDir.value };
  }
  if (storage.value !== 'sql') fail(storage, `storage ${JSON.stringify(storage.value)}: this tool reads and writes Prosody's internal and sql storage only`, 'expected internal or sql');
  return { kind: 'sql', sql: sqlOptions(sql) };
}

function sqlOptions(sql: SqlLayer): SqlOptions {
  const driverName = sql.driver ?? { value: 'sqlite3', origin: 'default' };
  const driver = driverOf(driverName);
  const database = sql.database;
  if (database === undefined || database.value === '') {
    throw new UsageError(
      driverName.origin.startsWith('--') || driverName.origin === 'default'
        ? '--storage sql needs --sql-database (the SQLite file, or the PostgreSQL database name)'
        : `${driverName.origin}: the sql settings name no database (and --sql-database gives none)`,
    );
  }
  if (driver === 'sqlite3' && database.value === ':memory:') fail(database, 'an SQLite database in memory is private to Prosody: nothing another program can read', 'give the database file');
  let port: number | undefined;
  if (sql.port !== undefined) {
    port = Number(sql.port.value);
    if (!/^\d+$/.test(sql.port.value) || port < 1 || port > 65535) fail(sql.port, `port ${JSON.stringify(sql.port.value)}`, 'expected a port number 1-65535');
  }
  if (driver === 'sqlite3') {
    // A host or user in prosody.cfg.lua's SQLite settings means nothing to Prosody either; on the command line it is a mistake.
    const extra = (['host', 'port', 'username', 'password'] as const).find((f) => sql[f]?.origin.startsWith('--'));
    if (extra !== undefined) throw new UsageError('--sql-host, --sql-port, --sql-username and --sql-password-file are for --sql-driver postgresql');
    return { driver, database: database.value };
  }
  return { driver, database: database.value, host: sql.host?.value, port, username: sql.username?.value, password: sql.password?.value };
}

/** Our names and Prosody's (`SQLite3`, `PostgreSQL`; `MySQL` is not supported). */
function driverOf(driver: Sourced<string>): SqlOptions['driver'] {
  const name = driver.value.toLowerCase();
  if (name === 'sqlite3') return 'sqlite3';
  if (name === 'postgresql') return 'postgresql';
  if (name === 'mysql') fail(driver, 'sql driver "MySQL" is not supported: this tool reads and writes SQLite3 and PostgreSQL', 'expected sqlite3 or postgresql');
  return fail(driver, `sql driver ${JSON.stringify(driver.value)}: expected SQLite3 or PostgreSQL`, 'expected sqlite3 or postgresql');
}

function fail(where: Sourced<string>, configMessage: string, flagHint: string): never {
  if (where.origin.startsWith('--')) throw new UsageError(`${where.origin} ${JSON.stringify(where.value)}: ${flagHint}`);
  throw new ConfigError(`${where.origin}: ${configMessage}`);
}

/** The SQL settings for `check` and describe-config: every field with its origin, the password only as set or unset. */
export function describeSql(sql: SqlLayer): { line: string; json: Record<string, Sourced<string>> } {
  const parts: string[] = [];
  const json: Record<string, Sourced<string>> = {};
  for (const f of FIELDS) {
    const v = sql[f];
    if (f === 'password') {
      json.password = { value: v === undefined ? 'unset' : 'set', origin: v?.origin ?? 'default' };
      parts.push(`password ${v === undefined ? 'unset' : `set (${v.origin})`}`);
    } else if (v !== undefined) {
      json[f] = v;
      parts.push(`${f} ${v.value} (${v.origin})`);
    }
  }
  return { line: parts.join(', '), json };
}

/** The password is read from a file (never a flag: others could see it in `ps`); one trailing newline is dropped. */
function readPassword(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`--sql-password-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
