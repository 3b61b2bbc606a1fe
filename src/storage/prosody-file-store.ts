/**
 * mod_monthly_visitors' statistics in a Prosody data dir (`internal` storage), read and written
 * the way Prosody's datamanager does (see prosody-paths.ts, records.ts, atomic-write.ts and
 * journal.ts for the details and where each comes from).
 *
 * - Reads are cached per run. `readHostRecord` returns the cached record itself: callers (the
 *   tally) update it in place, and `commit` is later handed the same object. What was on disk is
 *   remembered separately, so `commit` can tell what changed.
 * - If a crashed run left a complete journal, reads see the journal's contents (what recovery
 *   will write) without writing anything, so a dry run shows the right state; `commit` replays the
 *   journal before its own batch. (`recoverJournal` under the lock does the same explicitly.)
 * - `commit` writes only files whose bytes change. A file whose content is the same but written in
 *   another key order (Prosody's random order) counts as unchanged and is left alone.
 * - The store does not lock: take `acquireLock(dataDir)` around a run that commits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreIoError } from '../errors.js';
import { checkDataDirWritable } from './check-writable.js';
import { byCodePoint } from './store-reader.js';
import { isDir, readDirEntries, readRegularFile } from './fs-util.js';
import { commitBatch, readPendingJournal, type BatchWrite, type Durability } from './journal.js';
import {
  DAT_EXT,
  HOST_RECORD_FILE,
  STORE_DIR_NAME,
  decodeCanonicalNode,
  encodeNode,
  hostDir,
  hostRecordPath,
  userRecordDir,
  userRecordPath,
} from './prosody-paths.js';
import {
  isEmptyUserRecord,
  parseHostRecord,
  parseUserRecord,
  serializeHostRecord,
  serializeUserRecord,
  type HostRecord,
  type UserRecord,
} from './records.js';

export type { HostRecord, UserRecord } from './records.js';

export interface StoreChanges {
  /** The complete new record of each host listed; an empty record removes the file. */
  readonly hosts: Map<string, HostRecord>;
  /**
   * host → user → the user's new `last-recorded` month. `null` removes `last-recorded` (and the
   * file, unless it holds other keys). Other keys of a user's file are kept.
   */
  readonly users: Map<string, Map<string, string | null>>;
}

export interface CommitResult {
  readonly written: number;
  readonly unchanged: number;
  readonly deleted: number;
  /** The files written or removed (or that would be, in a dry run), in commit order. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly action: 'write' | 'delete' }>;
}

interface HostEntry {
  record: HostRecord;
  /** The file's bytes (null: no file). */
  raw: Buffer | null;
  /** The record as read, re-serialized in our order (null: no file). */
  canonical: Buffer | null;
}

interface UserEntry {
  record: UserRecord;
  raw: Buffer | null;
}

/** The record of a user without a file (shared: records are replaced, never changed in place). */
const EMPTY_USER: UserRecord = Object.freeze({ lastRecorded: undefined, extra: new Map() });

export interface ProsodyFileStoreOptions {
  /** Whether commits make files durable (journal.ts); default 'fsync'. */
  durability?: Durability;
}

export class ProsodyFileStore {
  readonly dataDir: string;
  private readonly durability: Durability;
  private readonly hosts = new Map<string, HostEntry>();
  private readonly users = new Map<string, Map<string, UserEntry>>();
  private readonly userFiles = new Map<string, Set<string>>();
  /** Contents a pending complete journal will give (path → bytes, null = removed). */
  private overlay: Map<string, Buffer | null> | undefined;

  constructor(dataDir: string, opts: ProsodyFileStoreOptions = {}) {
    this.dataDir = path.resolve(dataDir);
    this.durability = opts.durability ?? 'fsync';
  }

  private pending(): Map<string, Buffer | null> {
    if (this.overlay === undefined) {
      this.overlay = new Map();
      try {
        const j = readPendingJournal(this.dataDir);
        if (j.state === 'complete') for (const w of j.writes) this.overlay.set(w.path, w.content);
      } catch (err) {
        // A journal we may not replay (another user's) is ignored for reading; commit refuses it.
        if (!(err instanceof StoreIoError)) throw err;
      }
    }
    return this.overlay;
  }

  /** The bytes of a file as the store sees it (journal first); null when there is no file. */
  private readRaw(file: string): Buffer | null {
    const o = this.pending();
    if (o.has(file)) return o.get(file)!;
    return readRegularFile(file, 'a record file');
  }

  private hostEntry(host: string): HostEntry {
    let e = this.hosts.get(host);
    if (e === undefined) {
      const file = hostRecordPath(this.dataDir, host);
      const raw = this.readRaw(file);
      const record = raw === null ? new Map() : parseHostRecord(raw, file);
      e = { record, raw, canonical: raw === null ? null : serializeHostRecord(record) };
      this.hosts.set(host, e);
    }
    return e;
  }

  private userEntry(host: string, user: string): UserEntry {
    let m = this.users.get(host);
    if (m === undefined) {
      m = new Map();
      this.users.set(host, m);
    }
    let e = m.get(user);
    if (e === undefined) {
      const names = this.userFileNames(host);
      // No file at all in the folder (a new store): no name to encode either.
      const fileName = names.size === 0 ? '' : `${encodeNode(user)}${DAT_EXT}`;
      const raw = names.has(fileName) ? this.readRaw(path.join(userRecordDir(this.dataDir, host), fileName)) : null;
      e = { record: raw === null ? EMPTY_USER : parseUserRecord(raw, userRecordPath(this.dataDir, host, user)), raw };
      m.set(user, e);
    }
    return e;
  }

  /**
   * The names in a host's user record folder (with what a pending journal adds), listed once: a
   * run asks about tens of thousands of users, most without a file, and one listing is far
   * cheaper than a failing open() for each.
   */
  private userFileNames(host: string): Set<string> {
    let names = this.userFiles.get(host);
    if (names === undefined) {
      const dir = userRecordDir(this.dataDir, host);
      names = new Set(readDirEntries(dir).map((d) => d.name));
      for (const [name, c] of this.overlayEntriesUnder(dir)) if (c !== null) names.add(name);
      this.userFiles.set(host, names);
    }
    return names;
  }

  /**
   * Reads (and caches) a host record; missing file → empty Map. Returns the cached object, which the
   * caller may update in place. Corrupt → StoreFormatError naming the file.
   */
  readHostRecord(host: string): HostRecord {
    return this.hostEntry(host).record;
  }

  /** Reads a user's last-recorded month (cached); missing → undefined. */
  readLastRecorded(host: string, user: string): string | undefined {
    return this.userEntry(host, user).record.lastRecorded;
  }

  /** The whole user record (cached; `extra` holds keys other than `last-recorded`). Do not modify. */
  readUserRecord(host: string, user: string): UserRecord {
    return this.userEntry(host, user).record;
  }

  private overlayEntriesUnder(dir: string): Array<[string, Buffer | null]> {
    const out: Array<[string, Buffer | null]> = [];
    for (const [p, c] of this.pending()) if (path.dirname(p) === dir) out.push([path.basename(p), c]);
    return out;
  }

  /** Hosts in the data dir that have a monthly-visitors store (decoded folder names), sorted. */
  listHosts(): string[] {
    const hosts = new Set<string>();
    for (const d of readDirEntries(this.dataDir)) {
      if (!d.isDirectory()) continue;
      const host = decodeCanonicalNode(d.name);
      if (host === undefined) continue;
      const dir = path.join(this.dataDir, d.name);
      if (this.readRaw(path.join(dir, HOST_RECORD_FILE)) !== null || isDir(path.join(dir, STORE_DIR_NAME))) hosts.add(host);
    }
    for (const [p, c] of this.pending()) {
      if (c === null) continue;
      const rel = path.relative(this.dataDir, p).split(path.sep);
      const isHostFile = rel.length === 2 && rel[1] === HOST_RECORD_FILE;
      const isUserFile = rel.length === 3 && rel[1] === STORE_DIR_NAME && rel[2]!.endsWith(DAT_EXT);
      if (!isHostFile && !isUserFile) continue;
      const host = decodeCanonicalNode(rel[0]!);
      if (host !== undefined) hosts.add(host);
    }
    return [...hosts].sort(byCodePoint);
  }

  /** The users of a host with a record file (decoded file names), sorted. */
  listUserNames(host: string): string[] {
    const dir = userRecordDir(this.dataDir, host);
    const names = new Set<string>();
    for (const d of readDirEntries(dir)) if (d.isFile() && d.name.endsWith(DAT_EXT)) names.add(d.name);
    for (const [name, c] of this.overlayEntriesUnder(dir)) {
      if (!name.endsWith(DAT_EXT)) continue;
      if (c === null) names.delete(name);
      else names.add(name);
    }
    const users: string[] = [];
    for (const name of names) {
      const user = decodeCanonicalNode(name.slice(0, -DAT_EXT.length));
      if (user !== undefined) users.push(user);
    }
    return users.sort(byCodePoint);
  }

  /** Iterates the user records of a host that have a `last-recorded` month. */
  *listUsers(host: string): Iterable<{ user: string; lastRecorded: string }> {
    for (const user of this.listUserNames(host)) {
      const lastRecorded = this.readLastRecorded(host, user);
      if (lastRecorded !== undefined) yield { user, lastRecorded };
    }
  }

  /**
   * Writes exactly the given new state through the journal; files whose bytes would not change are
   * not written. An empty host record (and a user record left empty) removes the file, as
   * datamanager does. With `dryRun` nothing is written, but the store then reads as if it had been
   * (so the counts of later dry-run batches are those a real run would report).
   */
  /**
   * `extra`: other files committed in the same batch (tail's checkpoint), written as given;
   * they are not counted in the result.
   */
  commit(changes: StoreChanges, opts: { dryRun?: boolean; extra?: readonly BatchWrite[] } = {}): CommitResult {
    const writes: BatchWrite[] = [];
    const files: Array<{ path: string; action: 'write' | 'delete' }> = [];
    const after: Array<() => void> = [];
    let unchanged = 0;
    const plan = (file: string, next: Buffer | null, raw: Buffer | null, canonical: Buffer | null, update: (raw: Buffer | null) => void) => {
      const same = next === null ? raw === null : (raw !== null && next.equals(raw)) || (canonical !== null && next.equals(canonical));
      if (same) {
        unchanged++;
        return;
      }
      writes.push({ path: file, content: next });
      files.push({ path: file, action: next === null ? 'delete' : 'write' });
      after.push(() => update(next));
    };

    for (const [host, record] of changes.hosts) {
      const file = hostRecordPath(this.dataDir, host);
      const e = this.hostEntry(host);
      const next = record.size === 0 ? null : serializeHostRecord(record, file);
      plan(file, next, e.raw, e.canonical, (raw) => {
        e.record = record;
        e.raw = raw;
        e.canonical = raw;
      });
    }
    for (const [host, byUser] of changes.users) {
      const dir = userRecordDir(this.dataDir, host);
      for (const [user, month] of byUser) {
        if (user.length === 0) throw new TypeError('user must be a non-empty string');
        const file = `${dir}${path.sep}${encodeNode(user)}${DAT_EXT}`; // = userRecordPath, without a join per user
        const e = this.userEntry(host, user);
        const record: UserRecord = { lastRecorded: month ?? undefined, extra: e.record.extra };
        const next = isEmptyUserRecord(record) ? null : serializeUserRecord(record);
        const canonical = e.raw === null ? null : serializeUserRecord(e.record);
        plan(file, next, e.raw, canonical, (raw) => {
          e.record = record;
          e.raw = raw;
        });
      }
    }

    const deleted = writes.filter((w) => w.content === null).length;
    const result: CommitResult = { written: writes.length - deleted, unchanged, deleted, files };
    const extra = opts.extra ?? [];
    if (writes.length + extra.length === 0) return result;
    if (!opts.dryRun) {
      commitBatch(this.dataDir, [...writes, ...extra], { durability: this.durability });
      this.overlay = new Map(); // the journal (if any) has been replayed and removed
      this.userFiles.clear();
    }
    for (const f of after) f();
    return result;
  }

  /**
   * Checks, without writing, that the data dir exists (or can be created) and that it and the
   * existing host and store folders are writable folders, not symlinks.
   * @throws StoreIoError naming the path.
   */
  checkWritable(): void {
    checkDataDirWritable(this.dataDir);
  }

  /** The folder of a host (for messages). */
  hostDir(host: string): string {
    return hostDir(this.dataDir, host);
  }
}
