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
 *
 * The helpers this builds on: ownership.ts (owners and modes), safe-paths.ts (folders without
 * following symlinks) and fs-util.ts (errors); the names callers import from here are re-exported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreIoError } from '../errors.js';
import { errnoOf, ioError, lstatOrUndefined, symlinkRefusal, writeAll } from './fs-util.js';
import { FolderOwners, NEW_FILE_MODE, canChownTo, setOwnerAndMode } from './ownership.js';
import { crashPoint } from '../crash-points.js';

export { errnoOf, ioError, lstatOrUndefined } from './fs-util.js';
export { NEW_DIR_MODE, NEW_FILE_MODE } from './ownership.js';
export { checkDirsNoFollow, ensureDirsNoFollow, isInside } from './safe-paths.js';

export const TMP_SUFFIX = '~';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY, O_NONBLOCK } = fs.constants;

/**
 * Checks, without writing, that `file` can be replaced as `writeFileAtomic` would: neither it nor
 * `file~` is a symlink or a non-file, and its owner and group can be kept. Returns its lstat
 * (undefined: it does not exist). `tempAbsent`: the caller's folder listing shows no `file~`.
 */
export function checkReplaceable(file: string, opts: { tempAbsent?: boolean } = {}): fs.Stats | undefined {
  const st = lstatOrUndefined(file);
  if (st !== undefined) {
    if (st.isSymbolicLink()) throw symlinkRefusal(file);
    if (!st.isFile()) throw new StoreIoError(`${file}: is not a regular file`);
    if (!canChownTo(st.uid, st.gid)) {
      throw new StoreIoError(`${file}: belongs to uid ${st.uid} gid ${st.gid}; a replacement written by uid ${process.geteuid?.()} could not keep that owner (run as that user or as root)`);
    }
  }
  const tmp = file + TMP_SUFFIX;
  const tst = opts.tempAbsent ? undefined : lstatOrUndefined(tmp);
  if (tst !== undefined) {
    if (tst.isSymbolicLink()) throw symlinkRefusal(tmp);
    if (!tst.isFile()) throw new StoreIoError(`${tmp}: is in the way and is not a regular file`);
  }
  return st;
}

export interface AtomicWriteOptions {
  /** fsync the new file before the rename and its folder after it (default false). */
  fsync?: boolean;
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
  removeStaleTemp(file + TMP_SUFFIX);
  const dir = path.dirname(file);
  const fd = writeAndRename(file, content, st, new FolderOwners(dir), false, opts.fsync === true);
  closeChecked(fd, file);
  if (opts.fsync) fsyncDir(dir);
}

/**
 * `writeFileAtomic` for a batch that checked its targets moments ago (journal.ts): `known` is the
 * lstat of `file` (a regular file whose owner can be kept) or undefined when neither it nor
 * `file~` exists; `owners` is shared by the batch's files in that folder. Returns the new file's
 * descriptor, still open: the caller makes it durable (fdatasync) and closes it, after the
 * rename, together with the other files of its batch.
 */
export function replaceChecked(file: string, content: Uint8Array, known: fs.Stats | undefined, owners: FolderOwners): number {
  return writeAndRename(file, content, known, owners, true, false);
}

/**
 * Writes `file~`, gives it the owner and mode `file` has (`st`) or a new file gets, renames it
 * over `file`, and returns its open descriptor. Per file, on the common path (the folder's first
 * file told what a created file gets, and that is what is wanted): open, write, rename.
 * `checked`: the caller looked for a stale `file~` moments ago (see openTemp).
 */
function writeAndRename(file: string, content: Uint8Array, st: fs.Stats | undefined, owners: FolderOwners, checked: boolean, fsync: boolean): number {
  const tmp = file + TMP_SUFFIX;
  const mode = st === undefined ? NEW_FILE_MODE : st.mode & 0o7777;
  const fd = openTemp(tmp, mode & 0o777, checked);
  let step = 'write it';
  try {
    writeAll(fd, content);
    step = 'set its owner and mode';
    const got = owners.created(fd, mode & 0o777);
    const want = st ?? owners.folderOwner();
    if (got.uid !== want.uid || got.gid !== want.gid || got.mode !== mode) setOwnerAndMode(fd, tmp, want.uid, want.gid, mode, st !== undefined, got);
    if (fsync) {
      step = 'flush it to disk';
      fs.fsyncSync(fd);
    }
  } catch (err) {
    closeQuietly(fd);
    removeQuietly(tmp);
    throw err instanceof StoreIoError ? err : ioError(tmp, step, err);
  }
  crashPoint('temp-written');
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    closeQuietly(fd);
    removeQuietly(tmp);
    throw ioError(file, `rename ${path.basename(tmp)} over it`, err);
  }
  return fd;
}

function closeChecked(fd: number, file: string): void {
  try {
    fs.closeSync(fd);
  } catch (err) {
    throw ioError(file, 'close it', err);
  }
}

/** Removes a stale scratch file (Prosody or we were interrupted); it is never read. */
function removeStaleTemp(tmp: string): void {
  const tst = lstatOrUndefined(tmp);
  if (tst === undefined) return;
  if (tst.isSymbolicLink()) throw symlinkRefusal(tmp);
  try {
    fs.unlinkSync(tmp);
  } catch (err) {
    throw ioError(tmp, 'remove the stale temporary file', err);
  }
}

/**
 * Creates `file~` (never through a symlink). `retry`: the caller did not look for a stale `file~`
 * (it checked moments ago); if one appeared anyway, it is judged and removed, and the create tried
 * once more.
 */
function openTemp(tmp: string, mode: number, retry: boolean): number {
  try {
    return fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (err) {
    if (retry && errnoOf(err) === 'EEXIST') {
      removeStaleTemp(tmp);
      return openTemp(tmp, mode, false);
    }
    if (errnoOf(err) === 'ELOOP' || errnoOf(err) === 'EEXIST') throw new StoreIoError(`${tmp}: appeared while writing (another writer?); refusing to write through it`);
    throw ioError(tmp, 'create it', err);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
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

/** Opens `p` with `flags` and fsyncs it; `tolerated` errno codes of the fsync are ignored. */
function fsyncPath(p: string, flags: number, actions: { open: string; flush: string }, tolerated: readonly string[] = []): void {
  let fd: number;
  try {
    fd = fs.openSync(p, flags);
  } catch (err) {
    throw ioError(p, actions.open, err);
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    const code = errnoOf(err);
    if (code === undefined || !tolerated.includes(code)) throw ioError(p, actions.flush, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a directory (makes renames, creations and removals in it durable). */
export function fsyncDir(dir: string): void {
  // Some file systems do not support fsync on directories; the data itself was flushed.
  fsyncPath(dir, O_RDONLY | O_DIRECTORY, { open: 'open the folder to flush it', flush: 'flush the folder to disk' }, ['EINVAL', 'ENOTSUP']);
}

/** fsync a regular file by name without following a symlink. */
export function fsyncFile(file: string): void {
  fsyncPath(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, { open: 'open it to flush it', flush: 'flush it to disk' });
}
