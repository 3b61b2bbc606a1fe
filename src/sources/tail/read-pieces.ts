import { sameInode, type FileIdentity } from './file-identity.js';

/**
 * A checkpoint goes back at most this far for a session still waiting for its login. Logins
 * follow their connection within seconds; a session left open far longer (a lost disconnect line,
 * a crashed server) must not make every run re-read more and more of the log.
 */
export const HOLD_BACK_BYTES = 16 * 1024 * 1024;

/**
 * A piece read in this process: positions `base`… of the reader's parser are its bytes from
 * offset `start` (positions only grow over a process, across pieces).
 */
export interface ReadPiece {
  readonly file: FileIdentity;
  readonly base: number;
  readonly start: number;
  /** Bytes of it handed to the parser so far. */
  consumed: number;
}

/** Where a checkpoint resumes: an offset in the file read last, or in a piece rotated away since. */
export interface ResumePoint {
  readonly resumeAt: number;
  readonly resumeFile?: FileIdentity;
}

/** The pieces a reader read in this process, as far back as a checkpoint may point: positions back to files. */
export class ReadPieces {
  private readonly pieces: ReadPiece[] = [];

  /** A piece whose first bytes the parser is about to get; forgets those too old to hold back for. */
  add(piece: ReadPiece): void {
    this.pieces.push(piece);
    while (this.pieces.length > 1 && this.pieces[1].base < piece.base - HOLD_BACK_BYTES) this.pieces.shift();
  }

  /** The position after the last byte handed to the parser. */
  get end(): number {
    const last = this.pieces[this.pieces.length - 1];
    return last === undefined ? 0 : last.base + last.consumed;
  }

  /** Where the line at `position` is, told against `file` (the file the checkpoint names); null if forgotten. */
  resumePoint(position: number, file: FileIdentity): ResumePoint | null {
    for (let i = this.pieces.length - 1; i >= 0; i--) {
      const piece = this.pieces[i];
      if (piece.base > position) continue;
      const resumeAt = piece.start + (position - piece.base);
      return sameFile(piece.file, file) ? { resumeAt } : { resumeAt, resumeFile: piece.file };
    }
    return null;
  }
}

/** Same file; fingerprints taken while it was shorter cover fewer bytes, so only equal lengths compare. */
function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  if (!sameInode(a, b) || a.gzip !== b.gzip) return false;
  return a.fingerprintBytes !== b.fingerprintBytes || a.fingerprint === b.fingerprint;
}
