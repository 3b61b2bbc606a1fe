import { existsSync } from 'node:fs';
import path from 'node:path';
import { StoreIoError, UsageError } from '../errors.js';
import { GeoIpDatabase } from '../geoip/geoip-database.js';
import { dataDirShape } from '../storage/data-dir-shape.js';
import { journalPath } from '../storage/journal.js';
import { ProsodyFileStore } from '../storage/prosody-file-store.js';
import type { WarningSink } from '../warnings.js';
import type { RunConfig } from '../config/run-config.js';

/**
 * The checks a run makes before it reads or writes anything, shared with `check`, which calls the
 * very same functions: what stops a run stops `check` with the same message, and what a run warns
 * of, `check` lists (SPEC §10: check predicts the run).
 */

/** MaxMind updates its databases weekly; older than this, places drift. */
export const GEOIP_MAX_AGE_DAYS = 60;

/** The GeoIP database a counting run needs. */
export function requireMmdb(mmdbPath: string | null): string {
  if (mmdbPath === null) {
    throw new UsageError('--mmdb is required (or mmdb_path in --config, mod_monthly_visitors_mmdb_path in --prosody-config): a GeoIP2/GeoLite2 City database (.mmdb)');
  }
  return mmdbPath;
}

/** Opens the database (a non-City, non-Country one is refused there); a Country database is a warning. */
export function openGeoip(mmdbPath: string, warn: WarningSink): GeoIpDatabase {
  const db = GeoIpDatabase.open(mmdbPath);
  if (db.kind === 'country') {
    warn({
      code: 'geoip-country-database',
      message: `${mmdbPath} is a ${db.databaseType} database: every place will be CC-?-? (subdivision and city ?); use a City database for them`,
    });
  }
  return db;
}

/** Every GeoIP database a run uses: the global one and each host's own (prosody.cfg.lua per host). */
export function geoipPaths(config: Pick<RunConfig, 'mmdbPath' | 'hostOptions'>): string[] {
  const paths = new Set([config.mmdbPath, ...[...(config.hostOptions?.values() ?? [])].map((h) => h.mmdbPath)]);
  paths.delete(null);
  return [...paths] as string[];
}

/**
 * Checks the hosts' own databases as `openGeoip` checks the global one (the run opens them later,
 * when it counts): a refused type stops the run now, a Country database is said now.
 */
export function checkHostDatabases(config: Pick<RunConfig, 'mmdbPath' | 'hostOptions'>, warn: WarningSink): void {
  for (const path of geoipPaths(config)) if (path !== config.mmdbPath) openGeoip(path, warn).close();
}

/** A database long past MaxMind's weekly updates places logins where their addresses used to be. */
export function warnIfOld(db: GeoIpDatabase, warn: WarningSink, nowMs = Date.now()): number {
  const ageDays = Math.floor((nowMs - db.buildTime.getTime()) / 86_400_000);
  if (ageDays > GEOIP_MAX_AGE_DAYS) warn({ code: 'geoip-database-old', message: `${db.path} is ${ageDays} days old; MaxMind updates it weekly` });
  return ageDays;
}

/**
 * The data dir a command is given. `create`: a run that writes (backfill, tail, migrate into it,
 * check predicting them) makes a missing one, saying so, but only inside a folder that exists (a
 * typo must not grow a new tree); `read`: it must exist. Either way a path that is not a folder, or
 * is one host's folder inside the data dir, is refused (exit 2).
 */
export function checkDataDir(dir: string, use: 'create' | 'read', warn: WarningSink = () => {}, dryRun = false): void {
  const shape = dataDirShape(dir);
  if (shape.kind === 'not-a-folder') throw new UsageError(`data dir ${dir}: not a directory`);
  if (shape.kind === 'folder') {
    if (shape.hostFolderOf !== undefined) {
      throw new UsageError(
        `data dir ${dir}: this is the folder of one host (${shape.hostFolderOf}) inside Prosody's data dir; give the data dir itself: ${path.dirname(path.resolve(dir))}`,
      );
    }
    return;
  }
  if (use === 'read') throw new StoreIoError(`${dir}: no such data directory`);
  if (!shape.parentIsFolder) throw new UsageError(`data dir ${dir}: no such directory, nor its parent ${shape.parent} (a typo?)`);
  warn({ code: 'data-dir-created', message: `the data dir ${dir} does not exist; ${dryRun ? 'a run would create it' : 'this run creates it'}` });
}

/** Whether a run could commit there (the check the run makes itself); StoreIoError (exit 1) if not. */
export function checkWritable(dir: string): void {
  new ProsodyFileStore(dir).checkWritable();
}

/** A journal left by a run interrupted during its commit: the next run (holding the lock) completes it. */
export function warnOfInterruptedCommit(dir: string, warn: WarningSink): boolean {
  if (!existsSync(journalPath(dir))) return false;
  warn({ code: 'interrupted-commit', message: `${dir}: a run was interrupted during its commit; the next run completes it before it counts` });
  return true;
}
