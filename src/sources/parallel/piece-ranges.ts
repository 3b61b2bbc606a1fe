import type { LogInput } from '../log-input.js';
import type { KeptLines, RangeTask } from './range-protocol.js';
import type { TaskResult, WorkerPool } from './worker-pool.js';

/** A plain file is cut into ranges of about this size (a worker holds a few MB of one at a time). */
export const RANGE_BYTES = 16 << 20;

/** A log's pieces read on workers: each gzip piece whole, each plain piece in ranges. */
export interface PlannedTask extends Omit<RangeTask, 'id' | 'ordinal' | 'format'> {
  /** Which piece of the log (tasks come in log order). */
  readonly piece: number;
}

/** Where the byte ranges of a plain file of `size` bytes begin (the last runs to the end of the file). */
export function rangeStarts(size: number, rangeBytes = RANGE_BYTES): number[] {
  const count = Math.max(1, Math.ceil(size / rangeBytes));
  return Array.from({ length: count }, (_, k) => k * rangeBytes);
}

/** Where a plain file's ranges begin, given its size (0 first, increasing). */
export type RangePlan = (size: number) => number[];

export function planTasks(inputs: readonly LogInput[], plan: RangePlan): PlannedTask[] {
  return inputs.flatMap((input, piece): PlannedTask[] => {
    const path = input.file!.path;
    if (input.gzip) return [{ piece, path, gzip: true, from: 0, to: null }];
    const starts = plan(input.file!.size);
    return starts.map((from, k) => ({ piece, path, gzip: false, from, to: k + 1 < starts.length ? starts[k + 1] : null }));
  });
}

/**
 * The kept lines of one log's pieces, in log order, read by a shared pool with at most `window`
 * tasks of this log submitted and not yet read (memory stays bounded however far workers run ahead).
 */
export class PieceRanges {
  private submitted = 0;
  private readonly inFlight: { piece: number; result: TaskResult }[] = [];

  constructor(
    private readonly pool: WorkerPool,
    private readonly tasks: readonly PlannedTask[],
    private readonly format: string,
    private readonly window: number,
  ) {}

  /** The next batch and the piece it belongs to; null after the last. Throws `{ piece, failure }` as `PieceFailure`. */
  async next(): Promise<{ piece: number; kept: KeptLines } | null> {
    for (;;) {
      this.fill();
      const head = this.inFlight[0];
      if (head === undefined) return null;
      let kept: KeptLines | null;
      try {
        kept = await head.result.next();
      } catch (err) {
        throw new PieceFailure(head.piece, err as Error & { code?: string });
      }
      if (kept !== null) return { piece: head.piece, kept };
      this.inFlight.shift();
    }
  }

  private fill(): void {
    while (this.inFlight.length < this.window && this.submitted < this.tasks.length) {
      const { piece, ...task } = this.tasks[this.submitted++];
      this.inFlight.push({ piece, result: this.pool.submit({ ...task, format: this.format }) });
    }
  }
}

/** A task of piece `piece` failed in its worker. */
export class PieceFailure extends Error {
  constructor(
    readonly piece: number,
    override readonly cause: Error & { code?: string },
  ) {
    super(cause.message);
  }
}
