import { countLogin, emptyLoginCounts, type LoginCounts } from './login-counts.js';
import type { LoginEvent } from '../core/login-event.js';
import type { LogCoverage } from '../core/log-coverage.js';
import type { LineParser, LogFormat, ParserContext, ParserStats, TimeOptions } from './log-format.js';
import type { LogInput } from './log-input.js';
import type { ReadProgress } from './read-progress.js';
import { describeFsError } from './log-input.js';
import { assertTextLog, detectFormatOfChunk } from './formats.js';
import { LineSplitter } from './line-splitter.js';
import { InputReadError } from '../errors.js';
import type { YearSource } from '../time/year-inference.js';
import { PieceFailure, PieceRanges, planTasks, rangeStarts, type RangePlan } from './parallel/piece-ranges.js';
import type { KeptLines, ParsedRange } from './parallel/range-protocol.js';
import type { RangeParser } from './log-format.js';
import { spanBytes } from './parallel/span-bytes.js';
import { keptShare, replayKept } from './parallel/kept-collector.js';
import type { WorkerPool } from './parallel/worker-pool.js';

/**
 * Logs with less text than this are read on the main thread: a worker's start costs about 30 ms of
 * CPU, what parsing some 25 MB costs, so below this workers cost more than they save. Gzip pieces
 * count 8× their size (about their text, and gunzip is the dear part).
 */
export const PARALLEL_MIN_BYTES = 32 << 20;
export const GZIP_WEIGHT = 8;

/** About how much text a log's file pieces hold: plain bytes, gzip pieces at `GZIP_WEIGHT`× their size. */
export function textWeight(inputs: readonly LogInput[]): number {
  return inputs.reduce((n, i) => n + i.file!.size * (i.gzip ? GZIP_WEIGHT : 1), 0);
}

/**
 * Logs whose filter keeps more than this share of their first chunk (info-level logs, where nearly
 * every line is a session line) are read on the main thread: workers would only add copying, and
 * what a gzip piece's worker keeps is held until the main thread reaches that piece.
 */
export const MAX_KEPT_SHARE = 0.25;

/** How `useWorkers` splits the work (tests send small logs to workers, split at chosen points). */
export interface WorkerOptions {
  /** Workers for any log whose format allows it, whatever its size and kept share. */
  readonly force?: boolean;
  readonly plan?: RangePlan;
  /**
   * `parse`: only if workers can parse ranges on their own (`LogFormat.rangeParser`), else false;
   * `filter`: workers filter lines for this thread's parser. Default: `parse` where it can, else `filter`.
   */
  readonly mode?: 'parse' | 'filter';
}

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
  /** Told the bytes read and logins found, for a progress display. */
  readonly progress?: ReadProgress;
}

/** What was read from one input file: lines, and what its login events could tell. */
export interface PieceStats extends LoginCounts {
  readonly label: string;
  lines: number;
  unparsable: number;
  /** The year of its first line, when its lines have none: from --year or its modification time. */
  year?: number;
  yearFrom?: YearSource;
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
  /** Set when worker threads read this log (`useWorkers`). */
  private ranges: PieceRanges | null = null;
  /** …and they parse ranges on their own, for this thread's parser to absorb. */
  private parsing = false;
  /** Ranges parsed on their own: stitched, and read again here (stitching could not be exact). */
  readonly rangeCounts = { stitched: 0, readAgain: 0 };
  /** With workers: lines of the current piece so far, and whether its parser has been set up. */
  private pieceLines = 0;
  private piecePrepared = false;
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

  /**
   * Reads this log on worker threads (`--jobs`) when it is large enough, all its pieces are files,
   * and its format has a line filter: workers cut ranges into lines and filter them, and this
   * stream runs the format's one parser over the kept lines in log order, as a serial run would.
   */
  async useWorkers(pool: WorkerPool, options: WorkerOptions = {}): Promise<boolean> {
    const force = options.force === true;
    if (this.inputs.some((i) => i.file === undefined)) return false;
    if (!force && textWeight(this.inputs) < PARALLEL_MIN_BYTES) return false;
    if (this.format !== null && this.format.lineFilter === undefined) return false;
    const first = await this.firstChunk();
    if (first === null) return false;
    const format = this.format ?? this.detect(this.inputs[0].label, first);
    // Tasks of this log in flight: a gzip piece is one task, held whole until read, so fewer.
    const window = this.inputs.some((i) => i.gzip) ? pool.size : pool.size * 2;
    const tasks = planTasks(this.inputs, options.plan ?? rangeStarts);
    const rangeParser = options.mode === 'filter' ? undefined : format.rangeParser;
    // Every range but the first assumes what the log's first chunk tells (for Prosody: debug level or not).
    const assumed = rangeParser !== undefined && firstChunkTells(rangeParser(this.inputs[0].label, false, false), first);
    // A login-dense log (Prosody at info level) gains nothing: the module's rule, on this thread, is its cost.
    if (rangeParser !== undefined && (assumed || force)) {
      const coverage = this.options.coverage !== undefined;
      this.ranges = new PieceRanges(pool, tasks, format.name, window, (index) => ({ debugSeenBefore: index > 0 && assumed, coverage }));
      this.parsing = true;
      return true;
    }
    if (options.mode === 'parse' || format.lineFilter === undefined) return false;
    if (!force && keptShare(format.lineFilter(), first) > MAX_KEPT_SHARE) return false;
    this.ranges = new PieceRanges(pool, tasks, format.name, window);
    return true;
  }

  /** The next events (possibly none), or null at the end of the last piece. */
  async next(): Promise<LoginEvent[] | null> {
    if (this.done) return null;
    if (this.ranges !== null) return this.nextFromWorkers();
    if (this.iterator === null) {
      this.openNextPiece();
      const progress = this.options.progress;
      this.iterator = this.current.chunks(progress && ((bytes) => progress.addRead(bytes)))[Symbol.asyncIterator]();
    }
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
    return this.takeBatch();
  }

  private takeBatch(): LoginEvent[] {
    const events = this.batch;
    this.batch = [];
    this.countLogins(events);
    return events;
  }

  private async nextFromWorkers(): Promise<LoginEvent[]> {
    let item: { piece: number; kept?: KeptLines; parsed?: ParsedRange } | null;
    try {
      item = this.parsing ? await this.ranges!.nextParsed() : await this.ranges!.next();
    } catch (err) {
      if (!(err instanceof PieceFailure)) throw err;
      throw new InputReadError(`${this.inputs[err.piece].label}: ${describeFsError(err.cause)}`);
    }
    if (item === null) {
      while (this.pieceIndex + 1 < this.inputs.length) this.openNextPiece();
      this.settleStats();
      this.parser?.end();
      this.done = true;
    } else {
      while (this.pieceIndex < item.piece) this.openNextPiece();
      if (item.parsed !== undefined) await this.absorb(item.parsed);
      else this.replay(item.kept!);
    }
    return this.takeBatch();
  }

  /** A range a worker parsed on its own, stitched onto this log's parser; read here when it cannot be exactly. */
  private async absorb(range: ParsedRange): Promise<void> {
    if (!this.piecePrepared) {
      this.piecePrepared = true;
      this.preparePiece(null);
    }
    const parser = this.parser!;
    const before = parser.stats.lines;
    if (parser.absorb!(range.parsed, this.pieceLines)) this.rangeCounts.stitched++;
    else {
      this.rangeCounts.readAgain++;
      await this.reread(parser, range);
    }
    this.pieceLines += parser.stats.lines - before;
    if (!this.current.gzip) this.options.progress?.addRead(range.end - range.start);
  }

  /** The lines of a range, read again on this thread through the log's parser (numbered on from `pieceLines`). */
  private async reread(parser: LineParser, range: ParsedRange): Promise<void> {
    const lineBase = this.pieceLines;
    const splitter = new LineSplitter({
      stats: parser.stats,
      line: (buf, start, end, lineNo) => parser.line(buf, start, end, lineBase + lineNo),
      nextFile: () => {},
      end: () => {},
    });
    const input = this.current;
    try {
      for await (const chunk of spanBytes(input, range.start, range.end)) splitter.push(chunk);
    } catch (err) {
      throw new InputReadError(`${input.label}: ${describeFsError(err)}`);
    }
    splitter.flush();
  }

  /** The lines a worker kept, through this log's parser; the lines it dropped are only counted. */
  private replay(kept: KeptLines): void {
    if (kept.lines === 0) return;
    if (!this.piecePrepared) {
      this.piecePrepared = true;
      this.preparePiece(null);
    }
    replayKept(this.parser!, kept, this.pieceLines);
    this.pieceLines += kept.lines;
  }

  private openNextPiece(): void {
    this.settleStats();
    this.pieceIndex++;
    this.pieceStats.push({ label: this.current.label, lines: 0, unparsable: 0, ...emptyLoginCounts() });
    this.splitter = null;
    this.pieceLines = 0;
    this.piecePrepared = false;
  }

  /** Counted here, per piece, rather than from each event's `source` text downstream (a string op per login). */
  private countLogins(events: readonly LoginEvent[]): void {
    if (events.length === 0) return;
    this.options.progress?.addLogins(events.length);
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
    if (this.format !== null) assertTextLog(this.current.label, first); // detection checks it too
    this.splitter = new LineSplitter(this.preparePiece(first));
    return this.splitter;
  }

  /** The parser for the current piece, at its first bytes (`first`: to detect the format, if not known yet). */
  private preparePiece(first: Buffer | null): LineParser {
    if (this.parser === null) {
      const format = this.format ?? this.detect(this.current.label, first!);
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
      const onYear = (year: number, from: YearSource) => {
        const piece = this.pieceStats[this.pieceStats.length - 1];
        piece.year ??= year;
        piece.yearFrom ??= from;
      };
      this.parser = format.createParser(ctx, { ...this.options.time, referenceMs: this.current.mtimeMs, onYear });
    } else {
      this.parser.nextFile(this.current.mtimeMs);
    }
    return this.parser;
  }

  private detect(label: string, first: Buffer): LogFormat {
    const format = detectFormatOfChunk(label, first);
    this.format = format;
    this.options.detected?.(label, format);
    return format;
  }

  /** The first chunk of the first piece, as a serial read sees it (to detect the format); null if that piece is empty. */
  private async firstChunk(): Promise<Buffer | null> {
    const input = this.inputs[0];
    const iterator = input.chunks()[Symbol.asyncIterator]();
    let first: IteratorResult<Buffer>;
    try {
      first = await iterator.next();
    } catch (err) {
      throw new InputReadError(`${input.label}: ${describeFsError(err)}`);
    } finally {
      await iterator.return?.();
    }
    return first.done ? null : Buffer.from(first.value);
  }
}

/** What a range parser over the log's first chunk tells later ranges to assume. */
function firstChunkTells(range: RangeParser, first: Buffer): boolean {
  new LineSplitter(range.parser).push(first);
  return range.assumption();
}
