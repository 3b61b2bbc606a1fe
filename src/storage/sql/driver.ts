import { createRequire } from 'node:module';
import { MissingPackageError } from '../../errors.js';
import { installCommand } from '../../package-info.js';

/** The SQL drivers: optional dependencies, installed only by those who use `--storage sql`. */
export type DriverPackage = 'better-sqlite3' | 'pg';

const requireHere = createRequire(import.meta.url);

/**
 * Loads a driver on first use (a run on the internal store never loads one). Synchronous, as the
 * store's connection API is: `require` of a CommonJS package, not `import()`. Missing → a
 * MissingPackageError (exit 2) naming the command that installs it.
 */
export function loadDriver<T>(pkg: DriverPackage): T {
  try {
    return requireHere(pkg) as T;
  } catch (err) {
    if (isMissing(err, pkg)) throw missingDriver(pkg, 'which is not installed');
    // Present but unloadable: a native part never built (installed with --ignore-scripts, or for
    // another Node version). Installing it again builds it.
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw missingDriver(pkg, `which cannot be loaded (${why})`);
  }
}

/** Checks that a driver can be found without loading it (`pg` is loaded by a worker thread). */
export function requireDriverInstalled(pkg: DriverPackage): void {
  try {
    requireHere.resolve(pkg);
  } catch (err) {
    if (isMissing(err, pkg)) throw missingDriver(pkg, 'which is not installed');
    throw err;
  }
}

function isMissing(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === 'MODULE_NOT_FOUND' && (e.message ?? '').includes(`'${pkg}'`);
}

function missingDriver(pkg: DriverPackage, why: string): MissingPackageError {
  return new MissingPackageError(`--storage sql needs the optional package ${pkg}, ${why}; install it with: ${installCommand(pkg)}`);
}
