/**
 * One writer per data dir: an exclusive lock on the data dir's statistics.
 *
 * The lock is the file `<data-dir>/monthly-visitors.lock`, created with O_CREAT|O_EXCL (atomic on
 * local file systems) and holding JSON `{pid, hostname, started, bootId?, pidStart?}`. It is
 * removed by `release()` or, if the holder forgets, when the process exits normally (an 'exit'
 * listener; SIGKILL or a crash leave it behind).
 *
 * A lock left behind is stale and taken over when, on this host (same `hostname`), its process is
 * gone: `kill(pid, 0)` says ESRCH, or the machine has rebooted since (`bootId`, from
 * /proc/sys/kernel/random/boot_id, differs), or the pid now belongs to a process that started
 * later (`pidStart`, field 22 of /proc/<pid>/stat, differs). A lock file with no readable JSON that
 * is older than 10 s (a holder that died between creating and filling it) is stale too. A lock of
 * another host is never taken over.
 *
 * Taking over is race-free between several waiters: only the holder of a short-lived guard file
 * (`monthly-visitors.lock.takeover`, also O_EXCL) may remove a stale lock, and it checks, holding
 * the guard, that the lock file is still the file (same inode) it judged and is still stale (a
 * fresh lock may have been made on a reused inode meanwhile); then everybody
 * competes for a fresh O_EXCL create again. A guard older than 10 s (its holder died in those few
 * milliseconds) is removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LockError, StoreIoError } from '../errors.js';
import { errnoOf, ioError } from './fs-util.js';
import { ensureDirsNoFollow } from './safe-paths.js';
import { crashPoint } from '../crash-points.js';
import { currentBootId, holderIsGone, processStat } from './process-liveness.js';

export const LOCK_FILE = 'monthly-visitors.lock';
const GUARD_SUFFIX = '.takeover';
const ABANDONED_MS = 10_000;
const POLL_MS = 100;

export interface LockInfo {
  pid: number;
  hostname: string;
  started: string;
  bootId?: string;
  pidStart?: string;
}

export interface AcquireOptions {
  /** Wait for a live holder to finish instead of failing at once. */
  wait: boolean;
  /** With `wait`: give up after this long (default: wait forever). */
  timeoutMs?: number;
  /** With `wait`: told once, when the first try finds the lock held, which process holds it. */
  onWait?: (holderPid: number | undefined) => void;
}

export interface Lock {
  readonly path: string;
  /** Removes the lock file (if it is still ours). Safe to call twice. */
  release(): void;
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE);
}

function myInfo(): LockInfo {
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString() };
  const bootId = currentBootId();
  if (bootId !== undefined) info.bootId = bootId;
  const start = processStat(process.pid)?.start;
  if (start !== undefined) info.pidStart = start;
  return info;
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.hostname === 'string' && typeof v.started === 'string') {
      return v as LockInfo;
    }
  } catch {
    /* not JSON */
  }
  return undefined;
}

interface Observed {
  ino: number;
  info: LockInfo | undefined;
  mtimeMs: number;
}

/** Exported for tests. */
export function observe(p: string): Observed | undefined {
  let fd: number;
  try {
    fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK); // a FIFO must not block
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    if (errnoOf(err) === 'ELOOP') throw new StoreIoError(`${p}: is a symbolic link; refusing to use it as the lock`);
    throw ioError(p, 'read the lock', err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new StoreIoError(`${p}: is not a regular file; refusing to use it as the lock`);
    const text = fs.readFileSync(fd, 'utf8');
    return { ino: st.ino, info: parseInfo(text), mtimeMs: st.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

function isStale(o: Observed): boolean {
  if (o.info === undefined) return Date.now() - o.mtimeMs > ABANDONED_MS;
  return holderIsGone(o.info);
}

function tryCreate(p: string): { fd: number; ino: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return undefined;
    throw ioError(p, 'create the lock', err);
  }
  return { fd, ino: fs.fstatSync(fd).ino };
}

/** Removes a stale lock, holding the takeover guard; false if someone else is doing it. Exported for tests. */
export function removeStale(p: string, judged: Observed): boolean {
  const guard = p + GUARD_SUFFIX;
  const g = tryCreate(guard);
  if (g === undefined) {
    const gst = fs.lstatSync(guard, { throwIfNoEntry: false });
    if (gst !== undefined && Date.now() - gst.mtimeMs > ABANDONED_MS) {
      try {
        fs.unlinkSync(guard);
      } catch {
        /* somebody else removed it */
      }
    }
    return false;
  }
  try {
    fs.closeSync(g.fd);
    // Judged again under the guard: between our look and the guard, another process may have
    // removed that lock and a live one been made, possibly on the very inode just freed (file
    // systems reuse them), so the inode alone cannot tell. A live holder's lock is not stale.
    const now = observe(p);
    if (now !== undefined && now.ino === judged.ino && isStale(now)) fs.unlinkSync(p);
    return true;
  } catch (err) {
    throw ioError(p, 'remove the stale lock', err);
  } finally {
    try {
      fs.unlinkSync(guard);
    } catch {
      /* gone */
    }
  }
}

function heldMessage(p: string, o: Observed): string {
  if (o.info === undefined) return `${p}: held by a process that is still writing it; is another monthly-visitors running?`;
  const where = o.info.hostname === os.hostname() ? '' : ` on host ${o.info.hostname}`;
  const self = o.info.pid === process.pid && where === '' ? ' (this process)' : '';
  return `${p}: held by pid ${o.info.pid}${self}${where} since ${o.info.started}; is another monthly-visitors running?`;
}

type Attempt = { lock: Lock } | { held: Observed };

/** One try: the lock, or what holds it (a stale lock being taken over by another counts as held). */
function attempt(p: string): Attempt {
  let last: Observed | undefined;
  for (let round = 0; round < 5; round++) {
    const made = tryCreateFilled(p);
    if (made !== undefined) return { lock: finishLock(p, made) };
    const o = observe(p);
    if (o === undefined) continue; // released meanwhile: try again
    last = o;
    if (!isStale(o)) return { held: o };
    removeStale(p, o);
  }
  return { held: last ?? { ino: 0, info: undefined, mtimeMs: Date.now() } };
}

/**
 * Creates the lock already holding its JSON: written to a scratch file first, then hard-linked
 * to the lock's name (atomic, fails if it exists). So a holder killed at any instant leaves either
 * no lock or one that names it, never an empty one that others must wait out.
 */
function tryCreateFilled(p: string): { ino: number } | undefined {
  const scratch = `${p}.${process.pid}.new`;
  fs.rmSync(scratch, { force: true });
  const made = tryCreate(scratch);
  if (made === undefined) throw ioError(scratch, 'create the lock', new Error('exists'));
  try {
    fs.writeSync(made.fd, `${JSON.stringify(myInfo())}\n`);
    fs.closeSync(made.fd);
    fs.linkSync(scratch, p);
    return { ino: made.ino };
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return undefined;
    throw ioError(p, 'create the lock', err);
  } finally {
    fs.rmSync(scratch, { force: true });
  }
}

/** Scratch files of holders killed before they could remove them (harmless, but clutter). */
function removeDeadScratch(p: string): void {
  const dir = path.dirname(p);
  const prefix = `${path.basename(p)}.`;
  try {
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith('.new')) continue;
      const pid = Number(name.slice(prefix.length, -'.new'.length));
      if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
      } catch (err) {
        if (errnoOf(err) === 'ESRCH') fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  } catch {
    // best effort
  }
}

function finishLock(p: string, made: { ino: number }): Lock {
  removeDeadScratch(p);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (st !== undefined && st.ino === made.ino) fs.unlinkSync(p);
    } catch {
      /* nothing we can do at this point */
    }
  };
  process.on('exit', release);
  return { path: p, release };
}

/** The lock's path; a data dir that does not exist yet is created (0750, as Prosody's would be). */
function prepare(dataDir: string): string {
  if (!fs.existsSync(dataDir)) ensureDirsNoFollow(dataDir, dataDir);
  return lockPath(dataDir);
}

function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(1));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pollDelay(): number {
  return POLL_MS + Math.floor(Math.random() * POLL_MS);
}

/**
 * The tries of one `acquireLock`: each `next()` makes one attempt and gives the lock, or how long
 * to wait before the next; it throws the LockError when the lock is held and waiting is over.
 */
function lockTries(dataDir: string, opts: AcquireOptions): { next(): { lock: Lock } | { waitMs: number } } {
  const p = prepare(dataDir);
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let told = false;
  return {
    next() {
      const a = attempt(p);
      if ('lock' in a) return a;
      if (!opts.wait) throw new LockError(heldMessage(p, a.held));
      if (!told) {
        told = true;
        opts.onWait?.(a.held.info?.pid);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new LockError(`${heldMessage(p, a.held)} (gave up after ${seconds(opts.timeoutMs ?? 0)} s)`);
      crashPoint('lock-wait');
      return { waitMs: Math.min(pollDelay(), left) };
    },
  };
}

/**
 * Takes the data dir's lock (synchronously; waiting blocks the thread).
 * @throws LockError when a live process holds it and `wait` is false or the timeout passed.
 * A missing data dir is created first (a run is about to write there anyway).
 * @throws StoreIoError when the lock file cannot be created (read-only data dir, ...).
 */
export function acquireLock(dataDir: string, opts: AcquireOptions = { wait: false }): Lock {
  const tries = lockTries(dataDir, opts);
  for (;;) {
    const t = tries.next();
    if ('lock' in t) return t.lock;
    sleepSync(t.waitMs);
  }
}

/** Like `acquireLock`, but waits without blocking the event loop. */
export async function acquireLockAsync(dataDir: string, opts: AcquireOptions = { wait: false }): Promise<Lock> {
  const tries = lockTries(dataDir, opts);
  for (;;) {
    const t = tries.next();
    if ('lock' in t) return t.lock;
    await new Promise((resolve) => setTimeout(resolve, t.waitMs));
  }
}

/** Who holds the lock now, without taking it (for `check`); undefined if nobody does. */
export function readLockHolder(dataDir: string): (LockInfo & { stale: boolean }) | undefined {
  const o = observe(lockPath(dataDir));
  if (o?.info === undefined) return undefined;
  return { ...o.info, stale: isStale(o) };
}
