/**
 * The folders of one batch: each write's folder, found once and shared by the writes that go
 * there, and which files are new (one listing per folder that receives many of them, instead of
 * an lstat of each file and of its `file~`). journal.ts checks and applies a batch through it.
 *
 * A backfill writes tens of thousands of files into a few folders: a path split, a string key
 * and a Map lookup per file and per step cost as much as the writes themselves on tmpfs, so the
 * folder of a write is recognised by comparing its path with the previous write's folder.
 */
import fs from 'node:fs';
import { TMP_SUFFIX } from './atomic-write.js';
import { errnoOf } from './fs-util.js';
import type { BatchWrite } from './journal-format.js';
import { FolderOwners } from './ownership.js';

/** The folder of an absolute, resolved path. */
export function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf('/')) || '/';
}

/** Whether `file` is directly in `dir` (both absolute and resolved). */
function isDirectlyIn(file: string, dir: string): boolean {
  return file.length > dir.length + 1 && file.charCodeAt(dir.length) === 47 && file.startsWith(dir) && file.indexOf('/', dir.length + 1) < 0;
}

/** A folder that receives at least this many files of a batch is listed once instead of lstat'ing each file... */
const LIST_FOLDER_FROM = 256;
/**
 * ...unless it holds many more entries than that: a cron run that changes 1,000 of 100,000 user
 * files spent 180 ms listing the folder to spare 2 ms of lstat calls. Its entries are estimated
 * from its size (tmpfs counts 20 bytes an entry; ext4, XFS and btrfs more, so the estimate errs
 * towards checking file by file, which is always correct).
 */
const BYTES_PER_ENTRY = 20;
const LIST_UP_TO_ENTRIES_PER_WRITE = 4;

/** One folder of a batch, and what the batch learns about it while it is checked and applied. */
export class BatchFolder {
  writes = 0;
  /** Names of its entries (and, for each `x~`, `x`): null when not listed. */
  private taken: Set<string> | null | undefined;
  /** Names `x` whose `x~` is in the listing. */
  private temps = new Set<string>();
  /** Checked (preflight), created if missing (apply), its entries changed (apply). */
  checked = false;
  ensured = false;
  touched = false;
  /** Whether its files are flushed (flushesReachDisk), asked once it exists. */
  flushes: boolean | undefined;
  readonly owners: FolderOwners;

  constructor(readonly dir: string) {
    this.owners = new FolderOwners(dir);
  }

  private listing(): Set<string> | null {
    if (this.taken !== undefined) return this.taken;
    if (this.writes < LIST_FOLDER_FROM) return (this.taken = null);
    let names: string[];
    try {
      if (fs.statSync(this.dir).size / BYTES_PER_ENTRY > LIST_UP_TO_ENTRIES_PER_WRITE * this.writes) return (this.taken = null);
      names = fs.readdirSync(this.dir);
    } catch (err) {
      return (this.taken = errnoOf(err) === 'ENOENT' ? new Set() : null); // anything odd: check file by file
    }
    const taken = new Set(names);
    for (const n of names) {
      if (!n.endsWith(TMP_SUFFIX)) continue;
      const target = n.slice(0, -TMP_SUFFIX.length);
      taken.add(target);
      this.temps.add(target);
    }
    return (this.taken = taken);
  }

  /**
   * What the listing shows of `file` (in this folder): 'new' (neither it nor its `file~` exists),
   * 'no-temp' (it exists, its `file~` does not), or 'unknown' (not listed, or a `file~` is there).
   */
  find(file: string): 'new' | 'no-temp' | 'unknown' {
    const taken = this.listing();
    if (taken === null) return 'unknown';
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (!taken.has(name)) return 'new';
    return this.temps.has(name) ? 'unknown' : 'no-temp';
  }
}

/** The folder of each write of a batch (`of[i]` for `writes[i]`), one object per folder. */
export class BatchFolders {
  readonly of: BatchFolder[];

  constructor(writes: readonly BatchWrite[]) {
    const byDir = new Map<string, BatchFolder>();
    this.of = new Array<BatchFolder>(writes.length);
    let prev: BatchFolder | undefined;
    for (let i = 0; i < writes.length; i++) {
      const file = writes[i]!.path;
      if (prev === undefined || !isDirectlyIn(file, prev.dir)) {
        const dir = dirOf(file);
        prev = byDir.get(dir);
        if (prev === undefined) byDir.set(dir, (prev = new BatchFolder(dir)));
      }
      prev.writes++;
      this.of[i] = prev;
    }
  }
}
