/**
 * A throwaway PostgreSQL cluster for tests: Debian's `postgresql` binaries, `initdb` into a temp
 * dir, the server listening only on a Unix socket in that dir (no TCP port to collide on). Run as
 * the `postgres` user when the tests run as root (initdb refuses root). No mocks: the real server.
 */
import { chownSync, chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from './tree.js';

export interface PgCluster {
  /** The socket folder: what `--sql-host` takes. */
  readonly host: string;
  readonly username: string;
  /** Makes a fresh database and returns its name. */
  createDatabase(name: string): string;
  /** Runs SQL with `psql` (an independent client), returning its unaligned output. */
  psql(database: string, sql: string): string;
  stop(): void;
}

/** The folder of Debian's PostgreSQL server binaries, or null when the package is not installed. */
function pgBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(base, versions[0]!, 'bin') : null;
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function pgUnavailable(): string | null {
  if (pgBinDir() === null) return 'PostgreSQL server not installed (Debian package postgresql; .ci/run installs it)';
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) return 'running as root and there is no postgres user to run the server as';
  return null;
}

/** `settings`: more `-c name=value` server settings (e.g. a small lock table). */
export function startPgCluster(settings: readonly string[] = []): PgCluster {
  const bin = pgBinDir()!;
  const dir = tempDir('mv-pg-');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o755);
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] as const : [join(bin, cmd), args] as const;
    const r = spawnSync(argv[0], argv[1], { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const data = join(dir, 'data');
  const username = 'postgres';
  run('initdb', ['-D', data, '-A', 'trust', '-U', username, '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-k ${dir} -c listen_addresses= -c fsync=off -c max_connections=40${settings.map((x) => ` -c ${x}`).join('')}`, 'start']);
  const psql = (database: string, sql: string) => {
    const r = spawnSync(join(bin, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-U', username, '-d', database, '-c', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout;
  };
  return {
    host: dir,
    username,
    createDatabase(name) {
      psql('postgres', `CREATE DATABASE "${name}"`);
      return name;
    },
    psql,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
