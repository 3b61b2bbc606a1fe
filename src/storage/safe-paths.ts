/**
 * Folders from a base (the data dir) down to a target, checked and created without following a
 * symlink below the base: a symlinked host or store folder must not redirect our writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreIoError } from '../errors.js';
import { errnoOf, ioError, lstatOrUndefined, statOrUndefined, symlinkRefusal } from './fs-util.js';
import { NEW_DIR_MODE, dirOwner, setOwnerAndMode, type OwnerCache } from './ownership.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

/** True if `p` is `base` or below it (both resolved). */
export function isInside(p: string, base: string): boolean {
  const rel = path.relative(path.resolve(base), path.resolve(p));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Checks, without creating anything, the folders from `base` down to `dir`: every existing one
 * below `base` must be a real folder, not a symlink. `base` itself may be a symlink (a data dir
 * often is). Returns the folders that do not exist yet, top-down.
 */
export function checkDirsNoFollow(dir: string, base: string): string[] {
  const missing: string[] = [];
  const chain: string[] = [];
  const top = path.resolve(base);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === top || d === path.dirname(d)) break;
  }
  for (const d of chain) {
    if (missing.length > 0) {
      missing.push(d);
      continue;
    }
    const st = d === top ? statOrUndefined(d) : lstatOrUndefined(d);
    if (st === undefined) {
      missing.push(d);
      continue;
    }
    if (st.isSymbolicLink()) throw symlinkRefusal(d);
    if (!st.isDirectory()) throw new StoreIoError(`${d}: is not a folder`);
  }
  return missing;
}

/**
 * Creates the missing folders from `base` down to `dir` (mode 0750, owner and group of the parent
 * folder; `base` too if missing), refusing symlinks below `base`. Returns the created folders.
 */
export function ensureDirsNoFollow(dir: string, base: string, ownerCache?: OwnerCache): string[] {
  let missing = checkDirsNoFollow(dir, base);
  if (missing.length > 0 && missing[0] === path.resolve(base)) {
    // The base itself is missing: create it (and anything above it) like the rest.
    const above: string[] = [];
    for (let d = path.dirname(missing[0]); !fs.existsSync(d); d = path.dirname(d)) above.unshift(d);
    missing = [...above, ...missing];
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode: NEW_DIR_MODE });
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') {
        const st = lstatOrUndefined(d);
        if (st?.isDirectory()) continue;
        if (st?.isSymbolicLink()) throw symlinkRefusal(d);
      }
      throw ioError(d, 'create the folder', err);
    }
    const owner = dirOwner(path.dirname(d), ownerCache);
    let fd: number | undefined;
    try {
      fd = fs.openSync(d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      setOwnerAndMode(fd, d, owner.uid, owner.gid, NEW_DIR_MODE, false);
    } catch (err) {
      throw err instanceof StoreIoError ? err : ioError(d, 'set the owner and mode of the new folder', err);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    ownerCache?.delete(d);
  }
  return missing;
}
