/**
 * Crash-safe batch commits: every file of one batch is replaced, or (after a crash) the next run
 * finishes the batch before doing anything else.
 *
 * `commitBatch(dataDir, writes)`:
 *  (0) checks every target first (no symlinks, owners that can be kept, folders) so that a batch
 *      that cannot be applied fails before anything is written;
 *  (a) writes `<data-dir>/monthly-visitors.journal` holding the new absolute content of every file
 *      (or "delete"), fdatasyncs it and fsyncs the data dir: from here on the batch is decided;
 *  (b) applies each write atomically (`file~` + rename), creating folders, and makes it durable:
 *      each file written is fdatasync'ed after its rename, a window of them at a time, and every
 *      folder whose entries changed is fsync'ed (see DURABILITY below);
 *  (c) removes the journal and fsyncs the data dir again: a removal the disk lost would make a
 *      later run replay this batch over what Prosody wrote since.
 * `recoverJournal(dataDir)` at startup (holding the lock) replays a complete journal (idempotent:
 * it only holds absolute contents) and removes a torn one (a crash during (a): nothing was
 * applied yet, the old files are intact).
 *
 * The journal holds nothing but the paths and the new contents of the files being written (the
 * `.dat` files and whatever else the caller commits with them); no log data, IPs or resources.
 *
 * The journal's format: see journal-format.ts.
 *
 * A journal is only replayed if it belongs to this process's user and is not writable by group
 * or others: the data dir belongs to the server's user, and a journal planted there must not make
 * a root run write files elsewhere.
 *
 * DURABILITY. Exactly the journal, the files written and the folders whose entries changed are
 * flushed; nothing else (an earlier version ran `sync -f`, which flushes every dirty page of the
 * whole file system, other programs' included). The file written stays open from its creation to
 * its fdatasync, so flushing it costs no second open; a window of them is flushed concurrently
 * (flush-pool.ts). Measured on this machine (ext4 on a virtio disk; fdatasync of N files just
 * written, whole batch): 1,000 files 40 ms one after the other, 25-35 ms concurrently; 10,000
 * files 1.5-1.6 s against 0.33-0.35 s; `sync -f` took 6-50 ms, but also pays for everything else
 * that is dirty. bench/store-phases.ts compares a whole commit with plain writes, with and without
 * an fdatasync of each file. Files and folders on tmpfs or ramfs are not flushed: there fsync and
 * fdatasync return without doing anything (the kernel's noop_fsync), yet cost a call per file, and
 * timing them on a busy machine could even hand them to the flush worker (one statfs per folder
 * tells; the journal, one file per batch, is flushed wherever it is).
 *
 * Syscalls per file (strace -c -f): a new file in a folder the batch lists (batch-folders.ts)
 * costs open, write, rename, fdatasync (not on tmpfs), close (plain writeFileSync + renameSync: open, write,
 * close, rename); one fstat per folder learns what a created file gets (ownership.ts); an existing
 * file adds the lstat of preflight (owner, mode, not a symlink), and that of its `file~` unless
 * the folder's listing shows there is none. Root writing the server's files adds an fchown each.
 * The per-file JavaScript is kept as small as those calls (batch-folders.ts): on tmpfs it was a
 * third of a backfill's store writes.
 *
 * Crash points (crash-points.ts) mark each step: journal-written, journal-synced, temp-written,
 * file-applied, files-synced, journal-removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreIoError } from '../errors.js';
import { checkReplaceable, fsyncDir, removeFileNoFollow, replaceChecked, TMP_SUFFIX } from './atomic-write.js';
import { crashPoint } from '../crash-points.js';
import { fdatasyncAll } from './flush-pool.js';
import { errnoOf, flushesReachDisk, ioError, lstatOrUndefined, symlinkRefusal, writeAll } from './fs-util.js';
import { decodeJournal, encodeJournal, type BatchWrite } from './journal-format.js';
import { BatchFolders } from './batch-folders.js';
import type { OwnerCache } from './ownership.js';
import { checkDirsNoFollow, ensureDirsNoFollow, isInside } from './safe-paths.js';

export { decodeJournal, encodeJournal, type BatchWrite } from './journal-format.js';
export { BatchFolders } from './batch-folders.js';

export const JOURNAL_FILE = 'monthly-visitors.journal';

/** Files written and left open before they are made durable together (and closed). */
const SYNC_WINDOW = 256;

/** 'fsync': see DURABILITY; 'none' (tests, benchmarks) flushes nothing. */
export type Durability = 'fsync' | 'none';

export interface CommitOptions {
  /** Whether the batch is made durable (default 'fsync'). */
  durability?: Durability;
}

export interface CommitStats {
  written: number;
  deleted: number;
  durability: Durability;
}

export function journalPath(dataDir: string): string {
  return path.join(dataDir, JOURNAL_FILE);
}

/** An absolute path with no `//`, `/./`, `/../` or trailing `/`: what path.resolve would return unchanged. */
const NOT_RESOLVED = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

function resolved(p: string): string {
  return p.charCodeAt(0) === 47 && !NOT_RESOLVED.test(p) ? p : path.resolve(p);
}

function normalise(writes: readonly BatchWrite[]): BatchWrite[] {
  const seen = new Map<string, number>();
  const out: BatchWrite[] = [];
  for (const w of writes) {
    const p = resolved(w.path);
    const at = seen.get(p);
    if (at !== undefined) out[at] = { path: p, content: w.content }; // the last write of a path wins
    else {
      seen.set(p, out.length);
      out.push(p === w.path ? w : { path: p, content: w.content });
    }
  }
  return out;
}

function baseFor(file: string, dataDir: string): string {
  return isInside(file, dataDir) ? dataDir : path.dirname(file);
}

/** What preflight found, per write: the target's lstat, or undefined when it and its `file~` do not exist. */
export type Checked = Array<fs.Stats | undefined>;

/** (0) Checks every target so that applying cannot fail for a reason known beforehand. */
export function preflight(dataDir: string, writes: readonly BatchWrite[], folders = new BatchFolders(writes)): Checked {
  const checked: Checked = new Array(writes.length);
  for (let i = 0; i < writes.length; i++) {
    const file = writes[i]!.path;
    const folder = folders.of[i]!;
    if (!folder.checked) {
      folder.checked = true;
      checkDirsNoFollow(folder.dir, baseFor(file, dataDir));
    }
    const found = folder.find(file);
    checked[i] = found === 'new' ? undefined : checkReplaceable(file, { tempAbsent: found === 'no-temp' });
  }
  return checked;
}

/** (a) Writes the journal and makes it durable (file and data dir). */
export function writeJournal(dataDir: string, writes: readonly BatchWrite[]): void {
  const jp = journalPath(dataDir);
  const st = lstatOrUndefined(jp);
  if (st?.isSymbolicLink()) throw symlinkRefusal(jp);
  if (st !== undefined) fs.rmSync(jp, { force: true });
  const bytes = encodeJournal(writes);
  let fd: number;
  try {
    fd = fs.openSync(jp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw ioError(jp, 'create the journal', err);
  }
  try {
    writeAll(fd, bytes);
    crashPoint('journal-written');
    fs.fdatasyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(jp, { force: true });
    throw ioError(jp, 'write the journal', err);
  }
  fs.closeSync(fd);
  fsyncDir(path.dirname(jp));
  crashPoint('journal-synced');
}

export interface Applied {
  written: number;
  deleted: number;
  /** Folders whose entries changed (parents of written/deleted files and of created folders). */
  touchedDirs: Set<string>;
}

/** Files written and still open, made durable (fdatasync) and closed a window at a time. */
class OpenFiles {
  private fds: number[] = [];
  private paths: string[] = [];

  /** `flush`: false for a file not to be flushed ('none', or a file system whose flushes do nothing): closed at once. */
  add(fd: number, file: string, flush: boolean): void {
    if (!flush) {
      fs.closeSync(fd);
      return;
    }
    this.fds.push(fd);
    this.paths.push(file);
    if (this.fds.length >= SYNC_WINDOW) this.flush();
  }

  flush(): void {
    const { fds, paths } = this;
    this.fds = [];
    this.paths = [];
    let errors: Array<string | null> = [];
    try {
      errors = fdatasyncAll(fds);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    const failed = errors.findIndex((e) => e !== null);
    if (failed >= 0) throw ioError(paths[failed]!, 'flush it to disk', { code: errors[failed] });
  }

  /** After a failure: closes what is open. */
  close(): void {
    for (const fd of this.fds) fs.closeSync(fd);
    this.fds = [];
    this.paths = [];
  }
}

/**
 * (b) Applies the writes, each file atomically, and makes them durable (unless 'none'); missing
 * folders are created. `checked`: preflight's findings for these writes and `folders` (else
 * preflight runs first).
 */
export function applyWrites(dataDir: string, writes: readonly BatchWrite[], opts: { folders?: BatchFolders; checked?: Checked; durability?: Durability } = {}): Applied {
  const folders = opts.folders ?? new BatchFolders(writes);
  const checked = opts.checked ?? preflight(dataDir, writes, folders);
  const durability = opts.durability ?? 'fsync';
  const ownerCache: OwnerCache = new Map();
  const applied: Applied = { written: 0, deleted: 0, touchedDirs: new Set() };
  const open = new OpenFiles();
  try {
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i]!;
      const folder = folders.of[i]!;
      if (!folder.touched) {
        folder.touched = true;
        applied.touchedDirs.add(folder.dir);
      }
      if (w.content === null) {
        if (removeFileNoFollow(w.path)) applied.deleted++;
        const tmp = w.path + TMP_SUFFIX;
        if (lstatOrUndefined(tmp)?.isFile()) removeFileNoFollow(tmp);
        crashPoint('file-applied');
        continue;
      }
      if (!folder.ensured) {
        for (const created of ensureDirsNoFollow(folder.dir, baseFor(w.path, dataDir), ownerCache)) applied.touchedDirs.add(path.dirname(created));
        folder.ensured = true;
        folder.flushes = durability === 'fsync' && flushesReachDisk(folder.dir);
      }
      open.add(replaceChecked(w.path, w.content, checked[i], folder.owners), w.path, folder.flushes!);
      applied.written++;
      crashPoint('file-applied');
    }
    open.flush();
  } finally {
    open.close();
  }
  if (durability === 'fsync') syncDirs(applied.touchedDirs);
  crashPoint('files-synced');
  return applied;
}

function syncDirs(dirs: Iterable<string>): void {
  for (const d of dirs) if (flushesReachDisk(d)) fsyncDir(d);
}

/** (c) Removes the journal (and, unless 'none', makes the removal durable). */
export function removeJournal(dataDir: string, durability: Durability = 'fsync'): void {
  const jp = journalPath(dataDir);
  try {
    fs.unlinkSync(jp);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw ioError(jp, 'remove the journal', err);
  }
  if (durability === 'fsync') fsyncDir(dataDir);
  crashPoint('journal-removed');
}

/**
 * Commits a batch (see the module comment). A complete journal left by a crashed run is replayed
 * first. An empty batch writes nothing at all.
 */
export function commitBatch(dataDir: string, writes: readonly BatchWrite[], opts: CommitOptions = {}): CommitStats {
  recoverJournal(dataDir, opts);
  const batch = normalise(writes);
  if (batch.length === 0) return { written: 0, deleted: 0, durability: 'none' };
  const folders = new BatchFolders(batch);
  const checked = preflight(dataDir, batch, folders);
  ensureDirsNoFollow(dataDir, dataDir); // the journal's folder
  writeJournal(dataDir, batch);
  const durability = opts.durability ?? 'fsync';
  let applied: Applied;
  try {
    applied = applyWrites(dataDir, batch, { folders, checked, durability });
  } catch (err) {
    // The batch is decided: say so, or the operator sees half-written files and fears the worst.
    if (err instanceof StoreIoError) throw new StoreIoError(`${err.message}; the batch is kept in ${JOURNAL_FILE} and the next run completes it`);
    throw err;
  }
  removeJournal(dataDir, durability);
  return { written: applied.written, deleted: applied.deleted, durability };
}

export type PendingJournal = { state: 'none' } | { state: 'torn' } | { state: 'complete'; writes: BatchWrite[] };

/** Reads the journal without acting on it (a dry run shows the state a recovery would give). */
export function readPendingJournal(dataDir: string): PendingJournal {
  const jp = journalPath(dataDir);
  let fd: number;
  try {
    fd = fs.openSync(jp, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK); // a FIFO must not block
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { state: 'none' };
    if (errnoOf(err) === 'ELOOP') throw new StoreIoError(`${jp}: is a symbolic link; refusing to read it`);
    throw ioError(jp, 'read the journal', err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new StoreIoError(`${jp}: is not a regular file`);
    const euid = process.geteuid?.();
    if ((euid !== undefined && st.uid !== euid) || (st.mode & 0o022) !== 0) {
      throw new StoreIoError(`${jp}: belongs to uid ${st.uid} with mode ${(st.mode & 0o777).toString(8)}, not to this user (uid ${euid}) with mode 600; refusing to replay it (remove it if it is not from monthly-visitors)`);
    }
    const writes = decodeJournal(fs.readFileSync(fd));
    return writes === undefined ? { state: 'torn' } : { state: 'complete', writes };
  } finally {
    fs.closeSync(fd);
  }
}

export interface Recovery {
  /** none: no journal; replayed: a complete batch was applied; torn: an incomplete journal was removed. */
  state: 'none' | 'replayed' | 'torn';
  files: number;
}

/**
 * Finishes a batch a crashed run left: a complete journal is applied again and removed, a torn one
 * is removed. Call it holding the lock, before reading the store.
 */
export function recoverJournal(dataDir: string, opts: CommitOptions = {}): Recovery {
  const pending = readPendingJournal(dataDir);
  if (pending.state === 'none') return { state: 'none', files: 0 };
  if (pending.state === 'torn') {
    removeJournal(dataDir, opts.durability);
    return { state: 'torn', files: 0 };
  }
  applyWrites(dataDir, pending.writes, { durability: opts.durability });
  removeJournal(dataDir, opts.durability);
  return { state: 'replayed', files: pending.writes.length };
}
