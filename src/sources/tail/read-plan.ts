import { fingerprintMatches, sameGeneration, sameInode, type FileIdentity, type OpenedHead } from './file-identity.js';
import { headOrNull, rotatedCandidates, type Candidate } from './rotated-candidates.js';

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
  /** Worth knowing, not wrong (a piece read again to be safe). */
  readonly notes: string[];
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
 * - the live file is another one now (rename+create, copytruncate, compress, several rotations,
 *   in any naming): the rest of the file read last wherever it is now, the pieces written after
 *   it, then the live file from its start — each piece placed by what it is (placeRotated);
 * - the file read last cannot be found: a warning, then the pieces after it and the live file.
 * Without a cursor: the live file from its start, or from its end with `fromEnd`.
 */
export async function planReads(livePath: string, cursor: Cursor | null, processed?: Cursor): Promise<ReadPlan> {
  const live = await headOrNull(livePath);
  const warnings: string[] = [];
  const notes: string[] = [];
  const pieces: PlannedPiece[] = [];
  // Nothing new since the end of what was processed: not a byte is read (a cron run's usual case).
  if (processed && live !== null && isSameContent(live, processed) && live.size <= processed.processedTo) {
    return { pieces, liveMissing: false, warnings, notes };
  }
  const liveFrom = (start: number) => {
    if (live !== null && (live.size > start || live.gzip)) pieces.push({ path: livePath, opened: live, start, live: true });
  };
  if (cursor === null) {
    liveFrom(0);
    return { pieces, liveMissing: live === null, warnings, notes };
  }
  if (live !== null && isSameContent(live, cursor)) {
    // Nothing new: not a byte is read, even when waiting sessions would be re-read from `offset`.
    if (live.size > cursor.processedTo) liveFrom(cursor.offset);
    return { pieces, liveMissing: false, warnings, notes };
  }
  const rotated = placeRotated(await rotatedCandidates(livePath), cursor, live);
  if (rotated.resume === null) {
    warnings.push(
      `${livePath}: the file read last time is gone (rotated and deleted before this run?); lines written to it since the last run are not counted, reading on from what came after it`,
    );
  } else {
    pieces.push({ path: rotated.resume.path, opened: rotated.resume.opened, start: cursor.offset, live: false });
  }
  for (const c of rotated.newer) pieces.push({ path: c.path, opened: c.opened, start: 0, live: false });
  if (rotated.unsure.length > 0) {
    notes.push(
      `${livePath}: cannot tell whether ${rotated.unsure.map((c) => c.path).join(', ')} came before or after the piece read last (written at the same moment); reading it again to be safe — the module's rule counts a user once a month`,
    );
  }
  liveFrom(0);
  return { pieces, liveMissing: live === null, warnings, notes };
}

/** The file at the cursor, still under its name, not truncated or rewritten since. */
function isSameContent(opened: OpenedHead, cursor: Cursor): boolean {
  if (!sameInode(opened, cursor.file) || opened.gzip !== cursor.file.gzip) return false;
  if (!opened.gzip && opened.size < cursor.offset) return false; // copytruncate
  return fingerprintMatches(opened, cursor.file);
}

/** What to read of the rotated pieces: the rest of the piece read last, then the newer ones. */
export interface RotatedPlan {
  /** The piece holding the cursor's file (the longest copy of it), null when none does. */
  readonly resume: Candidate | null;
  /** Pieces with lines written after it, one per content, oldest first. */
  readonly newer: Candidate[];
  /** Pieces among `newer` that may as well be older (same modification time): read to be safe. */
  readonly unsure: Candidate[];
}

/**
 * Places each rotated piece by what it is, never by its name's number (SPEC §6):
 * - the cursor's file is the piece with its inode and fingerprint, or its fingerprint alone (a copy,
 *   a compressed copy); of several copies the longest is read, from the cursor;
 * - a piece last modified before the cursor's file was holds older lines, all read before: skipped;
 * - the others hold newer lines: read from their start, oldest (by modification time) first, one
 *   copy of each content (`.1` beside `.1.gz`: the longer), none that is the live file's own;
 * - a piece modified at the same moment may be either: read (reading more is harmless, less is not).
 */
export function placeRotated(candidates: readonly Candidate[], cursor: Cursor, live: OpenedHead | null): RotatedPlan {
  const notLive = candidates.filter((c) => live === null || !sameInode(c.opened, live));
  const copies = notLive.filter((c) => fingerprintMatches(c.opened, cursor.file));
  const holding = copies.filter((c) => c.opened.gzip || c.opened.size >= cursor.offset);
  const resume = longest(holding);
  const since = cursor.file.mtimeMs ?? (copies.length > 0 ? Math.min(...copies.map((c) => c.opened.mtimeMs)) : undefined);
  if (since === undefined) return { resume, newer: [], unsure: [] };
  const others = notLive.filter(
    (c) =>
      !copies.includes(c) &&
      c.opened.mtimeMs >= since &&
      !(live !== null && sameGeneration(c.opened, live)) &&
      !copies.some((k) => sameGeneration(c.opened, k.opened)),
  );
  const generations: Candidate[][] = [];
  for (const c of others) {
    const same = generations.find((g) => sameGeneration(g[0].opened, c.opened));
    if (same) same.push(c);
    else generations.push([c]);
  }
  const firstWritten = (g: Candidate[]) => Math.min(...g.map((c) => c.opened.mtimeMs));
  generations.sort((a, b) => firstWritten(a) - firstWritten(b) || Math.max(...b.map((c) => c.nameAge)) - Math.max(...a.map((c) => c.nameAge)));
  const newer = generations.map((g) => longest(g)!);
  return { resume, newer, unsure: newer.filter((c) => c.opened.mtimeMs === since) };
}

/** The copy with the most content (a plain file when lengths tie; an unknown gzip length loses). */
function longest(copies: readonly Candidate[]): Candidate | null {
  let best: Candidate | null = null;
  for (const c of copies) {
    const len = c.opened.contentLength ?? -1;
    const bestLen = best === null ? -2 : (best.opened.contentLength ?? -1);
    if (len > bestLen || (len === bestLen && best !== null && best.opened.gzip && !c.opened.gzip)) best = c;
  }
  return best;
}
