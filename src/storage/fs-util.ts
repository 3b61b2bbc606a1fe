/**
 * Small file-system helpers shared by the storage modules: one-line StoreIoErrors naming the path,
 * errno codes, and stat calls that treat a missing path as `undefined`.
 */
import fs from 'node:fs';
import { StoreIoError } from '../errors.js';

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

/** The StoreIoError for a path that is a symlink where we would write. */
export function symlinkRefusal(p: string): StoreIoError {
  return new StoreIoError(`${p}: is a symbolic link; refusing to write through it`);
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

/** stat (following symlinks), or undefined when the path does not exist. */
export function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw ioError(p, 'examine it', err);
  }
}

/** Whether `p` is a folder (following symlinks); false for anything that cannot be examined. */
export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The entries of a folder; none if it is missing or not a folder. */
export function readDirEntries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw ioError(dir, 'list the folder', err);
  }
}

/**
 * The bytes of a regular file; null when it does not exist. Opened non-blocking, so a FIFO planted
 * where a record should be is an error and not a run that waits forever for a writer.
 */
export function readRegularFile(p: string, what = 'a regular file'): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw ioError(p, 'read it', err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new StoreIoError(`${p}: is a folder, not ${what}`);
    if (!st.isFile()) throw new StoreIoError(`${p}: is not ${what} (a device, FIFO or socket); refusing to read it`);
    return fs.readFileSync(fd);
  } catch (err) {
    throw err instanceof StoreIoError ? err : ioError(p, 'read it', err);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes all of `content` to an open file (`fs.writeSync` may write less than asked). */
export function writeAll(fd: number, content: Uint8Array): void {
  let off = 0;
  while (off < content.length) off += fs.writeSync(fd, content, off, content.length - off);
}

/** statfs types of file systems that live in memory only: tmpfs, ramfs. */
const IN_MEMORY_FS = new Set([0x01021994, 0x858458f6]);

/**
 * Whether flushing files of `dir` to disk does anything: false on tmpfs and ramfs, whose fsync and
 * fdatasync return at once without doing anything (the kernel's noop_fsync), so a commit need not
 * make one call per file there. True when it cannot be told.
 */
export function flushesReachDisk(dir: string): boolean {
  try {
    return !IN_MEMORY_FS.has(fs.statfsSync(dir).type);
  } catch {
    return true;
  }
}
