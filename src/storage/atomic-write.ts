/**
 * Replacing one file atomically, the way Prosody's datamanager does, plus what it leaves out.
 *
 * Prosody (util/datamanager.lua 0.12.3, `atomic_store`, lines 158-182): `io.open(file.."~", "w")`,
 * write, close, `os.rename(file.."~", file)`. No fsync anywhere; the new file gets the server's
 * uid/gid and `0666 & ~umask` (Prosody sets umask "027" by default, util/startup.lua line 544, so
 * 0640); directories are made by `pposix.mkdir` with 0775 & ~umask = 0750 (util-src/pposix.c
 * line 488-491) and are never chowned. Storing an empty table writes the file and then removes it
 * (datamanager.lua lines 220-223), i.e. an empty record has no file.
 *
 * What we do:
 * - the same `<file>~` + rename, so a reader (or Prosody) only ever sees the old or the new file;
 * - the temporary file is created with O_CREAT|O_EXCL|O_NOFOLLOW after removing a stale `~`
 *   (never opened through a symlink), and a target or `~` that is a symlink is refused with a
 *   StoreIoError rather than replaced;
 * - an existing file keeps its owner, group and mode (fchown/fchmod on the new file before the
 *   rename); when that is impossible (not root and the file belongs to someone else) it is a
 *   StoreIoError, found by `checkReplaceable` before anything is written;
 * - a new file gets mode 0640 and the owner and group of the folder it is created in; a new
 *   folder gets mode 0750 and the owner and group of its parent. In the data dir layout that is
 *   "owner of the host folder" for records and "owner of the data dir" for host folders;
 * - fsync is optional (`fsync: true`: the file before the rename, its folder after); batch
 *   commits leave it off and make the whole batch durable at once (see journal.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreIoError } from '../errors.js';

export const NEW_FILE_MODE = 0o640;
export const NEW_DIR_MODE = 0o750;
export const TMP_SUFFIX = '~';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = fs.constants;

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ELOOP: 'is a symbolic link',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  EXDEV: 'not on the same file system',
};

/** A one-line StoreIoError for a failed file system call: `<path>: cannot <action>: <reason>`. */
export function ioError(p: string, action: string, err: unknown): StoreIoError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const reason = code !== undefined ? `${ERRNO_TEXT[code] ?? code.toLowerCase()} (${code})` : String(e?.message ?? err);
  return new StoreIoError(`${p}: cannot ${action}: ${reason}`);
}

export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** lstat, or undefined when the path does not exist. */
export function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }); // no exception object for the common "missing"
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw ioError(p, 'examine it', err);
  }
}

function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

function myGroups(): Set<number> {
  const groups = new Set<number>();
  if (typeof process.getegid === 'function') groups.add(process.getegid());
  if (typeof process.getgroups === 'function') for (const g of process.getgroups()) groups.add(g);
  return groups;
}

/** Whether this process can give a file this owner and group. */
function canChownTo(uid: number, gid: number): boolean {
  if (isRoot()) return true;
  if (typeof process.geteuid !== 'function') return true;
  return uid === process.geteuid() && myGroups().has(gid);
}

function symlinkRefusal(p: string): StoreIoError {
  return new StoreIoError(`${p}: is a symbolic link; refusing to write through it`);
}

/**
 * Checks, without writing, that `file` can be replaced as `writeFileAtomic` would: neither it nor
 * `file~` is a symlink or a non-file, and its owner and group can be kept.
 */
export function checkReplaceable(file: string): void {
  const st = lstatOrUndefined(file);
  if (st !== undefined) {
    if (st.isSymbolicLink()) throw symlinkRefusal(file);
    if (!st.isFile()) throw new StoreIoError(`${file}: is not a regular file`);
    if (!canChownTo(st.uid, st.gid)) {
      throw new StoreIoError(`${file}: belongs to uid ${st.uid} gid ${st.gid}; a replacement written by uid ${process.geteuid?.()} could not keep that owner (run as that user or as root)`);
    }
  }
  const tmp = file + TMP_SUFFIX;
  const tst = lstatOrUndefined(tmp);
  if (tst !== undefined) {
    if (tst.isSymbolicLink()) throw symlinkRefusal(tmp);
    if (!tst.isFile()) throw new StoreIoError(`${tmp}: is in the way and is not a regular file`);
  }
}

/** Owner and group of a directory (cached per batch when a cache is given). */
function dirOwner(dir: string, cache?: Map<string, { uid: number; gid: number }>): { uid: number; gid: number } {
  const hit = cache?.get(dir);
  if (hit !== undefined) return hit;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    throw ioError(dir, 'examine it', err);
  }
  const owner = { uid: st.uid, gid: st.gid };
  cache?.set(dir, owner);
  return owner;
}

/** Gives an open file the owner, group and mode; `strict`: failing to set the owner is an error. */
function setOwnerAndMode(fd: number, p: string, uid: number, gid: number, mode: number, strict: boolean): void {
  const st = fs.fstatSync(fd);
  if (st.uid !== uid || st.gid !== gid) {
    if (canChownTo(uid, gid)) {
      fs.fchownSync(fd, uid, gid);
    } else if (strict) {
      throw new StoreIoError(`${p}: cannot keep owner uid ${uid} gid ${gid} (run as that user or as root)`);
    } else if (st.gid !== gid && myGroups().has(gid)) {
      fs.fchownSync(fd, -1, gid); // best effort: at least the folder's group
    }
  }
  // chown may clear set-id bits, so the mode goes last.
  if ((st.mode & 0o7777) !== mode || st.uid !== uid || st.gid !== gid) fs.fchmodSync(fd, mode);
}

export interface AtomicWriteOptions {
  /** fsync the new file before the rename and its folder after it (default false). */
  fsync?: boolean;
  /** Cache of folder owners, shared across the files of one batch. */
  ownerCache?: Map<string, { uid: number; gid: number }>;
}

function writeAll(fd: number, content: Uint8Array): void {
  let off = 0;
  while (off < content.length) off += fs.writeSync(fd, content, off, content.length - off);
}

/**
 * Replaces (or creates) `file` with `content`: `file~` is written, given the owner, group and mode
 * (see the module comment) and renamed over `file`. The folder must exist.
 * @throws StoreIoError naming the path, for symlinks and every failed call; `file~` is removed.
 */
export function writeFileAtomic(file: string, content: Uint8Array, opts: AtomicWriteOptions = {}): void {
  const st = lstatOrUndefined(file);
  if (st !== undefined) {
    if (st.isSymbolicLink()) throw symlinkRefusal(file);
    if (!st.isFile()) throw new StoreIoError(`${file}: is not a regular file`);
  }
  const tmp = file + TMP_SUFFIX;
  const tst = lstatOrUndefined(tmp);
  if (tst !== undefined) {
    if (tst.isSymbolicLink()) throw symlinkRefusal(tmp);
    try {
      fs.unlinkSync(tmp); // a stale scratch file (Prosody or we were interrupted); it is never read
    } catch (err) {
      throw ioError(tmp, 'remove the stale temporary file', err);
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  } catch (err) {
    if (errnoOf(err) === 'ELOOP' || errnoOf(err) === 'EEXIST') throw new StoreIoError(`${tmp}: appeared while writing (another writer?); refusing to write through it`);
    throw ioError(tmp, 'create it', err);
  }
  let step = 'write it';
  try {
    writeAll(fd, content);
    step = 'set its owner and mode';
    if (st !== undefined) setOwnerAndMode(fd, tmp, st.uid, st.gid, st.mode & 0o7777, true);
    else {
      const owner = dirOwner(path.dirname(file), opts.ownerCache);
      setOwnerAndMode(fd, tmp, owner.uid, owner.gid, NEW_FILE_MODE, false);
    }
    if (opts.fsync) {
      step = 'flush it to disk';
      fs.fsyncSync(fd);
    }
    step = 'close it';
    fs.closeSync(fd);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    removeQuietly(tmp);
    throw err instanceof StoreIoError ? err : ioError(tmp, step, err);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    removeQuietly(tmp);
    throw ioError(file, `rename ${path.basename(tmp)} over it`, err);
  }
  if (opts.fsync) fsyncDir(path.dirname(file));
}

function removeQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    /* nothing to clean up */
  }
}

/**
 * Removes `file` (as datamanager does for an empty record). A missing file is fine (false).
 * A symlink is refused. With `fsync`, the folder is flushed afterwards.
 */
export function removeFileNoFollow(file: string, opts: { fsync?: boolean } = {}): boolean {
  const st = lstatOrUndefined(file);
  if (st === undefined) return false;
  if (st.isSymbolicLink()) throw new StoreIoError(`${file}: is a symbolic link; refusing to remove it`);
  if (!st.isFile()) throw new StoreIoError(`${file}: is not a regular file`);
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw ioError(file, 'remove it', err);
  }
  if (opts.fsync) fsyncDir(path.dirname(file));
  return true;
}

/** fsync a directory (makes renames, creations and removals in it durable). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY);
  } catch (err) {
    throw ioError(dir, 'open the folder to flush it', err);
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    // Some file systems do not support fsync on directories; the data itself was flushed.
    if (errnoOf(err) !== 'EINVAL' && errnoOf(err) !== 'ENOTSUP') throw ioError(dir, 'flush the folder to disk', err);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a regular file by name without following a symlink. */
export function fsyncFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    throw ioError(file, 'open it to flush it', err);
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    throw ioError(file, 'flush it to disk', err);
  } finally {
    fs.closeSync(fd);
  }
}

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
    if (st.isSymbolicLink()) throw new StoreIoError(`${d}: is a symbolic link; refusing to write through it`);
    if (!st.isDirectory()) throw new StoreIoError(`${d}: is not a folder`);
  }
  return missing;
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw ioError(p, 'examine it', err);
  }
}

/**
 * Creates the missing folders from `base` down to `dir` (mode 0750, owner and group of the parent
 * folder; `base` too if missing), refusing symlinks below `base`. Returns the created folders.
 */
export function ensureDirsNoFollow(dir: string, base: string, ownerCache?: Map<string, { uid: number; gid: number }>): string[] {
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
        if (st?.isSymbolicLink()) throw new StoreIoError(`${d}: is a symbolic link; refusing to write through it`);
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
