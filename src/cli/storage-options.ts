import fs from 'node:fs';
import { UsageError } from '../errors.js';
import type { SqlOptions } from '../storage/sql/sql-connection.js';

/** `--storage` and `--sql-*` as commander hands them over. */
export interface StorageRawOptions {
  storage?: string;
  sqlDriver?: string;
  sqlDatabase?: string;
  sqlHost?: string;
  sqlPort?: string;
  sqlUsername?: string;
  sqlPasswordFile?: string;
}

/** Validates the storage options: undefined for `internal` (the data dir's .dat files). */
export function sqlOptionsFrom(raw: StorageRawOptions): SqlOptions | undefined {
  const storage = raw.storage ?? 'internal';
  const sqlFlags = ['sqlDriver', 'sqlDatabase', 'sqlHost', 'sqlPort', 'sqlUsername', 'sqlPasswordFile'] as const;
  if (storage === 'internal') {
    const given = sqlFlags.find((f) => raw[f] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --storage sql`);
    return undefined;
  }
  if (storage !== 'sql') throw new UsageError(`--storage ${JSON.stringify(storage)}: expected internal or sql`);
  const driver = raw.sqlDriver ?? 'sqlite3';
  if (driver !== 'sqlite3' && driver !== 'postgresql') throw new UsageError(`--sql-driver ${JSON.stringify(driver)}: expected sqlite3 or postgresql`);
  if (raw.sqlDatabase === undefined || raw.sqlDatabase === '') throw new UsageError('--storage sql needs --sql-database (the SQLite file, or the PostgreSQL database name)');
  let port: number | undefined;
  if (raw.sqlPort !== undefined) {
    port = Number(raw.sqlPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--sql-port ${JSON.stringify(raw.sqlPort)}: expected a port number 1-65535`);
  }
  if (driver === 'sqlite3') {
    const extra = (['sqlHost', 'sqlPort', 'sqlUsername', 'sqlPasswordFile'] as const).find((f) => raw[f] !== undefined);
    if (extra !== undefined) throw new UsageError('--sql-host, --sql-port, --sql-username and --sql-password-file are for --sql-driver postgresql');
  }
  return { driver, database: raw.sqlDatabase, host: raw.sqlHost, port, username: raw.sqlUsername, password: readPassword(raw.sqlPasswordFile) };
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
