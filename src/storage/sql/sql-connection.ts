/**
 * A synchronous SQL connection: the tally reads the store synchronously (StatsView), so both
 * drivers answer synchronously — better-sqlite3 by nature, `pg` through a worker (pg-connection.ts).
 * SQL is written with `?` placeholders; the PostgreSQL connection numbers them.
 */
export type Row = Record<string, unknown>;

export interface SqlConnection {
  readonly dialect: 'sqlite' | 'pg';
  /** Where the store is, for messages (no password). */
  readonly label: string;
  query(sql: string, params?: readonly unknown[]): Row[];
  close(): void;
}

export interface SqlOptions {
  readonly driver: 'sqlite3' | 'postgresql';
  /** SQLite: the file; PostgreSQL: the database name. */
  readonly database: string;
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
}
