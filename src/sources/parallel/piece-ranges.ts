import type { LogInput } from '../log-input.js';
import type { KeptLines, ParsedRange, RangeTask } from './range-protocol.js';
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
    /** Set to have each task parsed on its own (`RangeTask.parse`): what it may assume, by its index. */
    private readonly parse?: (index: number) => RangeTask['parse'],
  ) {}

  /** The next batch of kept lines and the piece it belongs to; null after the last. Throws `{ piece, failure }` as `PieceFailure`. */
  async next(): Promise<{ piece: number; kept: KeptLines } | null> {
    const item = await this.nextOutput();
    if (item !== null && !('bytes' in item.output)) throw new Error('a parsed range where kept lines were expected');
    return item === null ? null : { piece: item.piece, kept: item.output as KeptLines };
  }

  /** The next parsed range (`parse` set) and the piece it belongs to; null after the last. */
  async nextParsed(): Promise<{ piece: number; parsed: ParsedRange } | null> {
    const item = await this.nextOutput();
    if (item !== null && !('parsed' in item.output)) throw new Error('kept lines where a parsed range was expected');
    return item === null ? null : { piece: item.piece, parsed: item.output as ParsedRange };
  }

  private async nextOutput(): Promise<{ piece: number; output: KeptLines | ParsedRange } | null> {
    for (;;) {
      this.fill();
      const head = this.inFlight[0];
      if (head === undefined) return null;
      let output: KeptLines | ParsedRange | null;
      try {
        output = await head.result.next();
      } catch (err) {
        throw new PieceFailure(head.piece, err as Error & { code?: string });
      }
      if (output !== null) return { piece: head.piece, output };
      this.inFlight.shift();
    }
  }

  private fill(): void {
    while (this.inFlight.length < this.window && this.submitted < this.tasks.length) {
      const index = this.submitted++;
      const { piece, ...task } = this.tasks[index];
      this.inFlight.push({ piece, result: this.pool.submit({ ...task, format: this.format, parse: this.parse?.(index) }) });
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
