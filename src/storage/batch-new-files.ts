/**
 * Which files of a batch are new: one listing per folder that receives many of them, instead of
 * two lstat calls per file (journal.ts asks it in its checks and again when it writes).
 */
import fs from 'node:fs';
import { TMP_SUFFIX } from './atomic-write.js';
import { errnoOf } from './fs-util.js';
import type { BatchWrite } from './journal-format.js';

/** The folder and name of an absolute, resolved path (a commit asks for each of 100,000 files). */
export function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf('/')) || '/';
}

function nameOf(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** A folder that receives at least this many files of a batch is listed once instead of lstat'ing each file. */
const LIST_FOLDER_FROM = 256;

/**
 * Which targets of a batch certainly do not exist yet (nor their `file~`), from one listing per
 * busy folder: a backfill creates tens of thousands of files, and two lstat calls for each (in
 * the check and again in the write) cost as much as the writes themselves.
 */
export class NewFiles {
  private readonly listings = new Map<string, Set<string> | null>();
  private readonly busy = new Set<string>();

  constructor(writes: readonly BatchWrite[]) {
    const perDir = new Map<string, number>();
    for (const w of writes) {
      const dir = dirOf(w.path);
      const n = (perDir.get(dir) ?? 0) + 1;
      perDir.set(dir, n);
      if (n === LIST_FOLDER_FROM) this.busy.add(dir);
    }
  }

  private listing(dir: string): Set<string> | null {
    if (!this.busy.has(dir)) return null;
    let names = this.listings.get(dir);
    if (names === undefined) {
      try {
        names = new Set(fs.readdirSync(dir));
      } catch (err) {
        names = errnoOf(err) === 'ENOENT' ? new Set() : null; // anything odd: check file by file
      }
      this.listings.set(dir, names);
    }
    return names;
  }

  isNew(file: string): boolean {
    const names = this.listing(dirOf(file));
    const base = nameOf(file);
    return names !== null && !names.has(base) && !names.has(base + TMP_SUFFIX);
  }

  /** The listing shows no `file~` (so preflight need not look for one). */
  tempAbsent(file: string): boolean {
    const names = this.listing(dirOf(file));
    return names !== null && !names.has(nameOf(file) + TMP_SUFFIX);
  }
}

