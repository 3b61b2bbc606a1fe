import type { LoginEvent } from '../core/login-event.js';
import type { LogFormat, ParserContext, ParserStats, TimeOptions } from './log-format.js';
import type { LogInput } from './log-input.js';
import { describeFsError } from './log-input.js';
import { detectFormat, DETECT_SAMPLE_LINES } from './formats.js';
import { LineSplitter } from './line-splitter.js';
import { InputError } from '../errors.js';

/** Options shared by every input of a run. */
export interface StreamOptions {
  /** null = detect from the first lines. */
  readonly format: LogFormat | null;
  readonly time: Omit<TimeOptions, 'referenceMs'>;
  readonly notice: (key: string, message: string) => void;
  /** Told which format was detected for an input (for --verbose). */
  readonly detected?: (label: string, format: LogFormat) => void;
}

/**
 * One input as batches of login events in log order: one batch per chunk read, so a k-way merge
 * of many inputs holds only a chunk's worth of events per input.
 */
export class LoginStream {
  private readonly iterator: AsyncIterator<Buffer>;
  private splitter: LineSplitter | null = null;
  private parserStats: ParserStats = { lines: 0, unparsable: 0 };
  private batch: LoginEvent[] = [];
  private done = false;
  format: LogFormat | null;

  constructor(
    readonly input: LogInput,
    private readonly options: StreamOptions,
  ) {
    this.format = options.format;
    this.iterator = input.chunks()[Symbol.asyncIterator]();
  }

  get stats(): Readonly<ParserStats> {
    return this.parserStats;
  }

  /** The next events (possibly none), or null at the end of the input. */
  async next(): Promise<LoginEvent[] | null> {
    if (this.done) return null;
    let chunk: IteratorResult<Buffer>;
    try {
      chunk = await this.iterator.next();
    } catch (err) {
      throw new InputError(`${this.input.label}: ${describeFsError(err)}`);
    }
    const splitter = this.splitter ?? this.start(chunk.done ? Buffer.alloc(0) : chunk.value);
    if (chunk.done) {
      splitter.end();
      this.done = true;
    } else {
      splitter.push(chunk.value);
    }
    const events = this.batch;
    this.batch = [];
    return events;
  }

  private start(first: Buffer): LineSplitter {
    const format = this.format ?? this.detect(first);
    this.format = format;
    const ctx: ParserContext = {
      label: this.input.label,
      emit: (event) => this.batch.push(event),
      notice: this.options.notice,
    };
    const parser = format.createParser(ctx, { ...this.options.time, referenceMs: this.input.mtimeMs });
    this.parserStats = parser.stats;
    this.splitter = new LineSplitter(parser);
    return this.splitter;
  }

  private detect(first: Buffer): LogFormat {
    const text = first.toString('utf8', 0, Math.min(first.length, 256 * 1024));
    const lines = text.split('\n').slice(0, DETECT_SAMPLE_LINES).map((l) => l.replace(/\r$/, ''));
    if (lines.length > 1 && first.length > 256 * 1024) lines.pop(); // possibly cut mid-line
    const format = detectFormat(this.input.label, lines.filter((l) => l.length > 0));
    this.options.detected?.(this.input.label, format);
    return format;
  }
}
