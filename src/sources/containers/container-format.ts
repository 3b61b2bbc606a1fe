import type { LineParser, LogFormat, ParserContext, ParserStats, TimeOptions } from '../log-format.js';
import type { ContainerWrapper } from './container-wrapper.js';
import type { InnerFormat } from './inner-format.js';
import { MAX_LINE_BYTES } from '../line-splitter.js';
import { indexOfByte } from '../bytes.js';

const ESC = 0x1b;
const CR = 0x0d;
/** SGR and other CSI sequences: a server on a terminal (`docker run -t`) colours its levels. */
const CSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * A server's log as a container runtime stored it: each physical line is unwrapped by the runtime's
 * framing, pieces of a cut line are joined, terminal artefacts (`\r`, colours) are removed, and the
 * line goes to the server's own parser with the runtime's time.
 */
export function containerFormat(wrapper: ContainerWrapper, inner: InnerFormat): LogFormat {
  return {
    name: `${inner.name}-${wrapper.name}`,
    description: `${inner.label} in ${wrapper.framing}`,
    detect: (sample) => inner.detect(unwrapSample(wrapper, sample)),
    createParser: (ctx, time) => new ContainerParser(ctx, time, wrapper, inner),
  };
}

/** The complete lines inside a sample of physical lines (none when they are not this framing). */
function unwrapSample(wrapper: ContainerWrapper, sample: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of sample) {
    const buf = Buffer.from(line, 'utf8');
    const entry = wrapper.unwrap(buf, 0, buf.length);
    if (entry !== null && !entry.partial) out.push(cleanText(entry.buf, entry.start, entry.end).toString('utf8'));
  }
  return out;
}

/** A line cut into pieces, waiting for its last piece. */
interface PieceRun {
  readonly timeMs: number;
  /** ParserContext.position of its first piece. */
  readonly since: number;
  readonly parts: Buffer[];
  bytes: number;
}

class ContainerParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private readonly inner: LineParser;
  /** How many of the inner parser's unparsable lines are already in `stats`. */
  private innerUnparsable = 0;
  /** Time and first position of the line the inner parser is given. */
  private timeMs = 0;
  private since = 0;
  /** Per stream: the pieces of a line not complete yet. */
  private readonly runs = new Map<string, PieceRun>();

  constructor(
    private readonly ctx: ParserContext,
    time: TimeOptions,
    private readonly wrapper: ContainerWrapper,
    innerFormat: InnerFormat,
  ) {
    const lineTime = ctx.lineTime;
    const innerCtx: ParserContext = {
      get label() {
        return ctx.label;
      },
      emit: (event) => ctx.emit(event),
      notice: (key, message) => ctx.notice(key, message),
      position: () => this.since,
      ...(lineTime === undefined ? {} : { lineTime: (key, stamp) => lineTime.call(ctx, key, stamp) }),
    };
    this.inner = innerFormat.createParser(innerCtx, time, () => this.timeMs);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    if (end === start) return;
    const entry = this.wrapper.unwrap(buf, start, end);
    if (entry === null) {
      this.stats.unparsable++;
      return;
    }
    const here = this.ctx.position?.() ?? 0;
    const run = this.runs.get(entry.stream);
    if (!entry.partial && run === undefined) return this.deliver(entry.timeMs, here, entry.buf, entry.start, entry.end, lineNo);
    const current = run ?? { timeMs: entry.timeMs, since: here, parts: [], bytes: 0 };
    if (run === undefined) this.runs.set(entry.stream, current);
    current.bytes += entry.end - entry.start;
    // A line longer than any log line: its pieces are dropped, and it counts once as unparsable.
    if (current.bytes <= MAX_LINE_BYTES) current.parts.push(Buffer.from(entry.buf.subarray(entry.start, entry.end)));
    else current.parts.length = 0;
    if (entry.partial) return;
    this.runs.delete(entry.stream);
    this.deliverRun(current, lineNo);
  }

  nextFile(referenceMs: number): void {
    // Pieces of a cut line may sit on both sides of a rotation: they are kept.
    this.inner.nextFile(referenceMs);
  }

  end(): void {
    // The program ended without finishing its line: what it wrote is still a line.
    for (const run of this.runs.values()) this.deliverRun(run, 0);
    this.runs.clear();
    this.inner.end();
    this.syncStats();
  }

  pendingSince(): number | undefined {
    let since = this.inner.pendingSince?.();
    for (const run of this.runs.values()) if (since === undefined || run.since < since) since = run.since;
    return since;
  }

  private deliverRun(run: PieceRun, lineNo: number): void {
    if (run.bytes > MAX_LINE_BYTES) {
      this.stats.unparsable++;
      return;
    }
    const joined = Buffer.concat(run.parts, run.bytes);
    this.deliver(run.timeMs, run.since, joined, 0, joined.length, lineNo);
  }

  private deliver(timeMs: number, since: number, buf: Buffer, start: number, end: number, lineNo: number): void {
    this.timeMs = timeMs;
    this.since = since;
    if (end > start && buf[end - 1] === CR) end--;
    if (indexOfByte(buf, ESC, start, end) >= 0) {
      const clean = cleanText(buf, start, end);
      this.inner.line(clean, 0, clean.length, lineNo);
    } else {
      this.inner.line(buf, start, end, lineNo);
    }
    this.syncStats();
  }

  private syncStats(): void {
    const bad = this.inner.stats.unparsable;
    this.stats.unparsable += bad - this.innerUnparsable;
    this.innerUnparsable = bad;
  }
}

/** The text without a terminal's `\r` and colour sequences. */
function cleanText(buf: Buffer, start: number, end: number): Buffer {
  if (end > start && buf[end - 1] === CR) end--;
  if (indexOfByte(buf, ESC, start, end) < 0) return buf.subarray(start, end);
  return Buffer.from(buf.toString('utf8', start, end).replace(CSI, ''), 'utf8');
}
