import { countLogin, emptyLoginCounts, type LoginCounts } from './login-counts.js';
import type { LoginEvent } from '../core/login-event.js';
import type { LogCoverage } from '../core/log-coverage.js';
import type { LineParser, LogFormat, ParserContext, ParserStats, TimeOptions } from './log-format.js';
import type { LogInput } from './log-input.js';
import { describeFsError } from './log-input.js';
import { detectFormatOfChunk } from './formats.js';
import { LineSplitter } from './line-splitter.js';
import { InputReadError } from '../errors.js';

/** Options shared by every input of a run. */
export interface StreamOptions {
  /** null = detect from the first lines. */
  readonly format: LogFormat | null;
  readonly time: Omit<TimeOptions, 'referenceMs'>;
  readonly notice: (key: string, message: string) => void;
  /** Told which format was detected for an input (for --verbose). */
  readonly detected?: (label: string, format: LogFormat) => void;
  /** Told the time of the lines of this log (one per minute), when the run asks which times the logs cover. */
  readonly coverage?: LogCoverage;
}

/** What was read from one input file: lines, and what its login events could tell. */
export interface PieceStats extends LoginCounts {
  readonly label: string;
  lines: number;
  unparsable: number;
}

/**
 * One log — a file, or the pieces of a rotated log oldest first — as batches of login events in
 * log order: one batch per chunk read, so a k-way merge of many logs holds only a chunk's worth of
 * events per log. All pieces go through one parser, so a session cut by a rotation is kept whole.
 */
export class LoginStream {
  private pieceIndex = -1;
  private iterator: AsyncIterator<Buffer> | null = null;
  private parser: LineParser | null = null;
  private splitter: LineSplitter | null = null;
  private batch: LoginEvent[] = [];
  private done = false;
  private readonly pieceStats: PieceStats[] = [];
  private counted: ParserStats = { lines: 0, unparsable: 0 };
  format: LogFormat | null;

  constructor(
    readonly inputs: readonly LogInput[],
    private readonly options: StreamOptions,
  ) {
    this.format = options.format;
  }

  /** Per file: lines read and unparsable lines. */
  get stats(): readonly PieceStats[] {
    this.settleStats();
    return this.pieceStats;
  }

  private get current(): LogInput {
    return this.inputs[this.pieceIndex];
  }

  /** The next events (possibly none), or null at the end of the last piece. */
  async next(): Promise<LoginEvent[] | null> {
    if (this.done) return null;
    if (this.iterator === null) this.openNextPiece();
    let chunk: IteratorResult<Buffer>;
    try {
      chunk = await this.iterator!.next();
    } catch (err) {
      throw new InputReadError(`${this.current.label}: ${describeFsError(err)}`);
    }
    if (chunk.done) {
      this.splitter?.flush();
      this.settleStats();
      if (this.pieceIndex + 1 < this.inputs.length) {
        this.iterator = null;
      } else {
        this.parser?.end();
        this.done = true;
      }
    } else {
      this.splitterFor(chunk.value).push(chunk.value);
    }
    const events = this.batch;
    this.batch = [];
    this.countLogins(events);
    return events;
  }

  private openNextPiece(): void {
    this.settleStats();
    this.pieceIndex++;
    this.pieceStats.push({ label: this.current.label, lines: 0, unparsable: 0, ...emptyLoginCounts() });
    this.iterator = this.current.chunks()[Symbol.asyncIterator]();
    this.splitter = null;
  }

  /** Counted here, per piece, rather than from each event's `source` text downstream (a string op per login). */
  private countLogins(events: readonly LoginEvent[]): void {
    if (events.length === 0) return;
    const piece = this.pieceStats[this.pieceStats.length - 1];
    for (const e of events) countLogin(piece, e);
  }

  /** Adds what the parser counted since the last call to the current piece. */
  private settleStats(): void {
    if (this.parser === null || this.pieceStats.length === 0) return;
    const piece = this.pieceStats[this.pieceStats.length - 1];
    piece.lines += this.parser.stats.lines - this.counted.lines;
    piece.unparsable += this.parser.stats.unparsable - this.counted.unparsable;
    this.counted = { ...this.parser.stats };
  }

  private splitterFor(first: Buffer): LineSplitter {
    if (this.splitter !== null) return this.splitter;
    if (this.parser === null) {
      const format = this.format ?? this.detect(first);
      this.format = format;
      const stream = this;
      const ctx: ParserContext = {
        get label() {
          return stream.current.label;
        },
        emit: (event) => this.batch.push(event),
        notice: this.options.notice,
      };
      const coverage = this.options.coverage;
      if (coverage !== undefined) {
        let lastKey: number | string | undefined;
        ctx.lineTime = (key, stamp) => {
          if (key === lastKey) return;
          lastKey = key;
          const s = stamp();
          if (s !== null) coverage.add(s);
        };
      }
      this.parser = format.createParser(ctx, { ...this.options.time, referenceMs: this.current.mtimeMs });
    } else {
      this.parser.nextFile(this.current.mtimeMs);
    }
    this.splitter = new LineSplitter(this.parser);
    return this.splitter;
  }

  private detect(first: Buffer): LogFormat {
    const format = detectFormatOfChunk(this.current.label, first);
    this.options.detected?.(this.current.label, format);
    return format;
  }
}
