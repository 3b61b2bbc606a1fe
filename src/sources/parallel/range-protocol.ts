/** What the main thread and a range worker say to each other (`--jobs`). */

/**
 * Part of one log piece for a worker: a plain file's byte range, or a whole (gzip) file. A range
 * owns the lines that begin in `[from, to)`; `to` null = to the end of the file, as it is then.
 */
export interface RangeTask {
  readonly id: number;
  readonly path: string;
  readonly gzip: boolean;
  readonly from: number;
  readonly to: number | null;
  /**
   * The file's device and inode when the main thread planned the task (`tail`): another file under
   * the path (rotated meanwhile) fails the task with code `EMOVED`. A gzip task then skips `from`
   * decompressed bytes (a checkpoint inside a compressed piece; `from` is a line start there).
   */
  readonly expect?: { readonly dev: number; readonly ino: number };
  /** `LogFormat.name` of a format with a `lineFilter`. */
  readonly format: string;
  /** 0 for the first task of a run; only the test-only fault hook reads it. */
  readonly ordinal: number;
  /**
   * Set to parse the range on its own (`LogFormat.rangeParser`) rather than filter its lines:
   * what to assume of the lines before it, and whether to report the times of lines.
   */
  readonly parse?: { readonly debugSeenBefore: boolean; readonly coverage: boolean };
}

/** What a worker's range parser found in a whole task, and where its lines begin and end in the file. */
export interface ParsedRange {
  readonly parsed: unknown;
  readonly start: number;
  readonly end: number;
}

/** The lines a worker's filter kept from a stretch of its task, in order. */
export interface KeptLines {
  /** Lines in the stretch (kept or not), as the line splitter numbers them. */
  readonly lines: number;
  /** Of those, lines too long to read (the line splitter counts them as unparsable). */
  readonly overlong: number;
  /** The kept lines, back to back, without terminators. */
  readonly bytes: Uint8Array;
  /** Where each kept line ends in `bytes` (it begins where the one before ends). */
  readonly ends: Int32Array;
  /** Each kept line's number within the stretch, from 1. */
  readonly lineNos: Int32Array;
  /** Where each kept line begins in the file (decompressed offsets for gzip): `tail`'s checkpoints. */
  readonly starts: Float64Array;
  /** Where the stretch's last line ends in the file: the next stretch begins there. */
  readonly end: number;
}

export type WorkerReply =
  | { readonly type: 'batch'; readonly id: number; readonly kept: KeptLines }
  | { readonly type: 'parsed'; readonly id: number; readonly range: ParsedRange }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly code: string | undefined; readonly message: string };

/**
 * Test-only: `MONTHLY_VISITORS_TEST_WORKER_FAULT=exit|throw` makes the worker of every task but
 * the first stop abruptly (`exit`: as if killed) or throw, at the named point after its first batch.
 */
export const FAULT_ENV = 'MONTHLY_VISITORS_TEST_WORKER_FAULT';
