import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { rotatedNamesOf } from '../rotated-sets.js';
import { fingerprintMatches, readHead, sameInode, type FileIdentity, type OpenedHead } from './file-identity.js';

/** One file to read in this poll, from `start` to its current end. */
export interface PlannedPiece {
  readonly path: string;
  readonly opened: OpenedHead;
  readonly start: number;
  /** The log's current file, still being written: a last line without a newline is not complete. */
  readonly live: boolean;
}

export interface ReadPlan {
  readonly pieces: PlannedPiece[];
  /** The live file does not exist right now (between a rename and the server's reopen, say). */
  readonly liveMissing: boolean;
  /** Something the operator should hear about (lines that may have been lost). */
  readonly warnings: string[];
}

/** Where reading stopped: a file and an offset in it. */
export interface Cursor {
  readonly file: FileIdentity;
  /** Where to start reading. */
  readonly offset: number;
  /** The end of what was processed (≥ offset): a file that has not grown past it has nothing new. */
  readonly processedTo: number;
}

/**
 * What to read of one log to continue from `cursor` (SPEC §6), whatever logrotate did meanwhile:
 * - nothing happened: the live file from the offset (nothing at all when it has not grown);
 * - rename+create: the old file (found by inode under its new name) from the offset, every newer
 *   rotated piece, then the new live file from its start;
 * - copytruncate (live file shorter than the offset, or it begins with other bytes): the copy
 *   (found by fingerprint) from the offset, then the live file from its start;
 * - compressed later: the `.gz` piece found by fingerprint, read decompressed;
 * - the old file cannot be found: the live file from its start, with a warning.
 * Without a cursor: the live file from its start, or from its end with `fromEnd`.
 */
export async function planReads(livePath: string, cursor: Cursor | null, processed?: Cursor): Promise<ReadPlan> {
  const live = await headOrNull(livePath);
  const warnings: string[] = [];
  const pieces: PlannedPiece[] = [];
  // Nothing new since the end of what was processed: not a byte is read (a cron run's usual case).
  if (processed && live !== null && isSameContent(live, processed) && live.size <= processed.processedTo) {
    return { pieces, liveMissing: false, warnings };
  }
  const liveFrom = (start: number) => {
    if (live !== null && (live.size > start || live.gzip)) pieces.push({ path: livePath, opened: live, start, live: true });
  };
  if (cursor === null) {
    liveFrom(0);
    return { pieces, liveMissing: live === null, warnings };
  }
  if (live !== null && isSameContent(live, cursor)) {
    // Nothing new: not a byte is read, even when waiting sessions would be re-read from `offset`.
    if (live.size > cursor.processedTo) liveFrom(cursor.offset);
    return { pieces, liveMissing: false, warnings };
  }
  const rotated = await rotatedPieces(livePath);
  const found = findCursorFile(rotated, cursor, live);
  if (found < 0) {
    warnings.push(
      `${livePath}: the file read last time is gone (rotated and deleted before this run?); reading the current file from its start, lines written to the old one since the last run are not counted`,
    );
    liveFrom(0);
    return { pieces, liveMissing: live === null, warnings };
  }
  pieces.push({ ...rotated[found], start: cursor.offset, live: false });
  // Newer pieces, oldest first (a run that missed several rotations).
  for (let i = found - 1; i >= 0; i--) pieces.push({ ...rotated[i], start: 0, live: false });
  liveFrom(0);
  return { pieces, liveMissing: live === null, warnings };
}

/** The file at the cursor, still under its name, not truncated or rewritten since. */
function isSameContent(opened: OpenedHead, cursor: Cursor): boolean {
  if (!sameInode(opened, cursor.file) || opened.gzip !== cursor.file.gzip) return false;
  if (!opened.gzip && opened.size < cursor.offset) return false; // copytruncate
  return fingerprintMatches(opened, cursor.file);
}

/**
 * The rotated piece holding the cursor's file: by inode first (a rename), then by fingerprint (a
 * copy, or a compressed piece). `rotated` is newest first; -1 when none matches.
 */
function findCursorFile(rotated: Array<{ opened: OpenedHead }>, cursor: Cursor, live: OpenedHead | null): number {
  const byInode = rotated.findIndex((p) => sameInode(p.opened, cursor.file) && fingerprintMatches(p.opened, cursor.file));
  if (byInode >= 0) return byInode;
  return rotated.findIndex(
    (p) =>
      (live === null || !sameInode(p.opened, live)) &&
      fingerprintMatches(p.opened, cursor.file) &&
      (p.opened.gzip || p.opened.size >= cursor.offset),
  );
}

/** The log's rotated pieces (`prosody.log.1`, `prosody.log.2.gz`, `prosody.log-20261101`), newest first. */
async function rotatedPieces(livePath: string): Promise<Array<{ path: string; opened: OpenedHead }>> {
  const dir = path.dirname(livePath);
  const base = path.basename(livePath);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const candidates = rotatedNamesOf(base, names);
  const out: Array<{ path: string; opened: OpenedHead }> = [];
  for (const name of candidates) {
    const p = path.join(dir, name);
    const opened = await headOrNull(p);
    if (opened !== null) out.push({ path: p, opened });
  }
  return out;
}

async function headOrNull(p: string): Promise<OpenedHead | null> {
  try {
    return await readHead(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
