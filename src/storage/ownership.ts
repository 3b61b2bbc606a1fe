/**
 * Owner, group and mode of what we create or replace: an existing file keeps its own, a new file
 * or folder gets the owner and group of the folder it is made in (see atomic-write.ts).
 */
import fs from 'node:fs';
import { StoreIoError } from '../errors.js';
import { ioError } from './fs-util.js';

export const NEW_FILE_MODE = 0o640;
export const NEW_DIR_MODE = 0o750;

/** Folder → owner and group, shared across the files of one batch. */
export type OwnerCache = Map<string, { uid: number; gid: number }>;

/** This process's effective uid (it never changes while we run; asked once, not per file). */
const EUID = typeof process.geteuid === 'function' ? process.geteuid() : undefined;

function isRoot(): boolean {
  return EUID === 0;
}

function myGroups(): Set<number> {
  const groups = new Set<number>();
  if (typeof process.getegid === 'function') groups.add(process.getegid());
  if (typeof process.getgroups === 'function') for (const g of process.getgroups()) groups.add(g);
  return groups;
}

/** Whether this process can give a file this owner and group. */
export function canChownTo(uid: number, gid: number): boolean {
  if (isRoot() || EUID === undefined) return true;
  return uid === EUID && myGroups().has(gid);
}

/** Owner and group of a directory (cached per batch when a cache is given). */
export function dirOwner(dir: string, cache?: OwnerCache): { uid: number; gid: number } {
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

/** An open file's owner, group and permission bits. */
export interface OwnerAndMode {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * A folder's owner and what `open(O_CREAT)` gives a new file in it, learned once per folder of a
 * batch: the first file made there is fstat'ed (per requested mode), the next ones need nothing.
 * The umask, a default ACL and a set-group-ID folder are the same for every file of a folder in
 * one batch.
 */
export class FolderOwners {
  private owner: { uid: number; gid: number } | undefined;
  /** What a file created with NEW_FILE_MODE gets (the common case), then other requested modes. */
  private createdNew: OwnerAndMode | undefined;
  private createdOther: Map<number, OwnerAndMode> | undefined;

  constructor(readonly dir: string) {}

  /** The folder's owner and group (stat'ed once, when first asked: after the folder is made). */
  folderOwner(): { uid: number; gid: number } {
    return (this.owner ??= dirOwner(this.dir));
  }

  /** The owner and mode of `fd`, a file just created in this folder with `requested` mode. */
  created(fd: number, requested: number): OwnerAndMode {
    if (requested === NEW_FILE_MODE) return (this.createdNew ??= ownerAndModeOf(fd));
    this.createdOther ??= new Map();
    let got = this.createdOther.get(requested);
    if (got === undefined) this.createdOther.set(requested, (got = ownerAndModeOf(fd)));
    return got;
  }
}

function ownerAndModeOf(fd: number): OwnerAndMode {
  const st = fs.fstatSync(fd);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
}

/**
 * Gives an open file the owner, group and mode; `strict`: failing to set the owner is an error.
 * `current`: what the file has now (fstat when not given).
 */
export function setOwnerAndMode(fd: number, p: string, uid: number, gid: number, mode: number, strict: boolean, current?: OwnerAndMode): void {
  const st = current ?? ownerAndModeOf(fd);
  let chowned = false;
  if (st.uid !== uid || st.gid !== gid) {
    if (canChownTo(uid, gid)) {
      fs.fchownSync(fd, uid, gid);
      chowned = true;
    } else if (strict) {
      throw new StoreIoError(`${p}: cannot keep owner uid ${uid} gid ${gid} (run as that user or as root)`);
    } else if (st.gid !== gid && myGroups().has(gid)) {
      fs.fchownSync(fd, -1, gid); // best effort: at least the folder's group
      chowned = true;
    }
  }
  // chown clears set-id bits, so the mode goes last, and again when it holds any.
  if (st.mode !== mode || (chowned && (mode & 0o6000) !== 0)) fs.fchmodSync(fd, mode);
}
