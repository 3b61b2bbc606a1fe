/**
 * `tail --jobs`: a poll's pieces read by worker threads, when the catch-up is large. Workers cut
 * byte ranges from the checkpoint's offset into lines and keep what the format's filter keeps,
 * with each kept line's offset; the reader runs its one parser over them in log order, so its
 * sessions, its checkpoint and what it counts are those of a read on this thread.
 */
import { promises as fsp } from 'node:fs';
import { InputReadError } from '../../errors.js';
import type { LogFormat } from '../log-format.js';
import { describeFsError } from '../log-input.js';
import { GZIP_WEIGHT, MAX_KEPT_SHARE, PARALLEL_MIN_BYTES, type WorkerOptions } from '../login-stream.js';
import { keptShare } from '../parallel/kept-collector.js';
import { PieceFailure, PieceRanges, rangeStarts, type PlannedTask } from '../parallel/piece-ranges.js';
import type { KeptLines } from '../parallel/range-protocol.js';
import type { WorkerPool } from '../parallel/worker-pool.js';
import { beginsAs, identityOf, sameInode } from './file-identity.js';
import { lastLineEnd, readFrom } from './piece-bytes.js';
import type { PlannedPiece } from './read-plan.js';

/** The worker threads a reader may use (`--jobs`): the run's pool now (null: this thread only). */
export interface TailWorkers {
  readonly pool: () => WorkerPool | null;
  readonly options?: WorkerOptions;
  /** Told the log a poll reads on workers (for --verbose). */
  readonly used?: (log: string) => void;
}

/**
 * The pieces' batches read by workers, or null when this thread reads them: a small catch-up (a
 * cron run over a few new lines starts no worker), a format without a line filter, a filter that
 * keeps much of the first chunk (an info-level log), or a log whose first line is not complete.
 * `format`: the reader's, or null to detect it from the first chunk with `detect`.
 */
export async function workerBatches(
  log: string,
  pieces: readonly PlannedPiece[],
  format: LogFormat | null,
  workers: TailWorkers | undefined,
  detect: (label: string, first: Buffer) => LogFormat,
): Promise<PieceBatches | null> {
  const pool = workers?.pool() ?? null;
  if (pool === null || pieces.length === 0) return null;
  const force = workers?.options?.force === true;
  const weight = pieces.reduce((n, p) => n + (p.opened.gzip ? p.opened.size * GZIP_WEIGHT : Math.max(0, p.opened.size - p.start)), 0);
  if (!force && weight < PARALLEL_MIN_BYTES) return null;
  if (format !== null && format.lineFilter === undefined) return null;
  const first = await firstChunk(pieces[0]);
  if (first === null || (format === null && pieces[0].live && first.indexOf(0x0a) < 0)) return null;
  const chosen = format ?? detect(pieces[0].path, first);
  const filter = chosen.lineFilter?.();
  if (filter === undefined || (!force && keptShare(filter, first) > MAX_KEPT_SHARE)) return null;
  const tasks = await planTasks(pieces, workers?.options?.plan ?? rangeStarts);
  // A gzip piece is one task, held whole until read: fewer in flight.
  const window = pieces.some((p) => p.opened.gzip) ? pool.size : pool.size * 2;
  workers?.used?.(log);
  return new PieceBatches(new PieceRanges(pool, tasks, chosen.name, window), pieces);
}

/** The first chunk a read on this thread sees (what it detects the format from); null if none. */
async function firstChunk(piece: PlannedPiece): Promise<Buffer | null> {
  const chunks = readFrom(piece, { moved: false });
  try {
    const first = await chunks.next();
    return first.done ? null : Buffer.from(first.value);
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * Each piece from its offset: a gzip piece as one task (its worker skips to the offset), a plain
 * one in ranges, the live file's only up to its last complete line (a line still being written is
 * left for the next run, as on this thread). Tasks name the file's inode: a worker that finds
 * another file under the path (rotated since the plan) fails its task as moved.
 */
async function planTasks(pieces: readonly PlannedPiece[], plan: (size: number) => number[]): Promise<PlannedTask[]> {
  const tasks: PlannedTask[] = [];
  for (const [piece, p] of pieces.entries()) {
    const common = { piece, path: p.path, gzip: p.opened.gzip, expect: { dev: p.opened.dev, ino: p.opened.ino } };
    if (p.opened.gzip) {
      tasks.push({ ...common, from: p.start, to: null });
      continue;
    }
    const end = p.live ? await lastLineEnd(p) : p.opened.size;
    if (end <= p.start) continue;
    const starts = plan(end - p.start).map((s) => p.start + s);
    // The last range of a rotated piece runs to its end as it is then (its last line counts without a newline).
    starts.forEach((from, k) => tasks.push({ ...common, from, to: k + 1 < starts.length ? starts[k + 1] : p.live ? end : null }));
  }
  return tasks;
}

/** A poll's pieces read by workers: each piece's batches in order, asked for piece by piece. */
export class PieceBatches {
  /** The next batch and its piece (`kept` null: that piece's file was another one); null after the last; undefined: not fetched. */
  private head: { piece: number; kept: KeptLines | null } | null | undefined;

  constructor(
    private readonly ranges: PieceRanges,
    private readonly pieces: readonly PlannedPiece[],
  ) {}

  /**
   * The batches of piece `index`, each handed on only if the file still is the planned one: the
   * same inode (else the worker failed the task) and, for a plain file, the same first bytes,
   * checked after the batch was read (a copytruncate meanwhile). `status.moved`: it was not.
   */
  async *of(index: number, status: { moved: boolean }): AsyncGenerator<KeptLines> {
    const piece = this.pieces[index];
    let handle: fsp.FileHandle | null = null;
    try {
      if (!piece.opened.gzip) {
        handle = await fsp.open(piece.path, 'r').catch(() => null);
        if (handle === null || !sameInode(await handle.stat(), piece.opened)) {
          status.moved = true;
          return;
        }
      }
      for (;;) {
        this.head ??= await this.pull();
        if (this.head === null || this.head.piece !== index) return;
        const { kept } = this.head;
        this.head = undefined;
        if (kept === null || (handle !== null && !(await beginsAs(handle, identityOf(piece.opened))))) {
          status.moved = true;
          return;
        }
        yield kept;
      }
    } finally {
      await handle?.close().catch(() => {});
    }
  }

  /** A task failing because its file is gone or another one (rotated since the plan) is a moved piece, as on this thread. */
  private async pull(): Promise<{ piece: number; kept: KeptLines | null } | null> {
    try {
      return await this.ranges.next();
    } catch (err) {
      if (!(err instanceof PieceFailure)) throw err;
      if (err.cause.code === 'EMOVED' || err.cause.code === 'ENOENT') return { piece: err.piece, kept: null };
      throw new InputReadError(`${this.pieces[err.piece].path}: ${describeFsError(err.cause)}`);
    }
  }
}
