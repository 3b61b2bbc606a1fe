import { LineSplitter } from '../line-splitter.js';
import type { LineFilter, LineParser, ParserStats } from '../log-format.js';
import type { KeptLines } from './range-protocol.js';

/** The splitter's parser: keeps what the filter keeps, counts everything. */
export class KeptCollector implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private bytes = new Uint8Array(1 << 20);
  private used = 0;
  private ends = new Int32Array(1 << 12);
  private lineNos = new Int32Array(1 << 12);
  private starts = new Float64Array(1 << 12);
  private count = 0;
  private taken: ParserStats = { lines: 0, unparsable: 0 };

  /** `position`: where the line being handed over begins in the file (the splitter's count plus where it began). */
  constructor(
    private readonly filter: LineFilter,
    private readonly position: () => number = () => 0,
  ) {}

  line(buf: Buffer, start: number, end: number): void {
    this.stats.lines++;
    if (!this.filter.keep(buf, start, end)) return;
    const length = end - start;
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used, this.used + length);
    if (this.count === this.ends.length) {
      this.ends = grow(this.ends, this.count, this.count + 1);
      this.lineNos = grow(this.lineNos, this.count, this.count + 1);
      this.starts = grow(this.starts, this.count, this.count + 1);
    }
    this.starts[this.count] = this.position();
    this.bytes.set(buf.subarray(start, end), this.used);
    this.used += length;
    this.ends[this.count] = this.used;
    this.lineNos[this.count++] = this.stats.lines - this.taken.lines;
  }

  nextFile(): void {}
  end(): void {}

  /** The kept lines since the last call, in buffers handed over whole (transferred, not copied). */
  take(): KeptLines {
    const kept: KeptLines = {
      lines: this.stats.lines - this.taken.lines,
      overlong: this.stats.unparsable - this.taken.unparsable,
      bytes: this.bytes.subarray(0, this.used),
      ends: this.ends.subarray(0, this.count),
      lineNos: this.lineNos.subarray(0, this.count),
      starts: this.starts.subarray(0, this.count),
      end: this.position(),
    };
    this.bytes = new Uint8Array(this.bytes.length);
    this.ends = new Int32Array(this.ends.length);
    this.lineNos = new Int32Array(this.lineNos.length);
    this.starts = new Float64Array(this.starts.length);
    this.used = 0;
    this.count = 0;
    this.taken = { ...this.stats };
    return kept;
  }
}

/**
 * A batch's kept lines through `parser`, numbered as a serial read numbers them (after `lineBase`
 * lines); the dropped lines only add to its line counts. `before(i)` is told each kept line's index
 * just before the parser gets it (to say where that line is). A part of the batch: the kept lines
 * `[from, to)` and the dropped lines before kept line `to` (to the batch's end when `to` is its
 * last); the lines too long to read count with the last part.
 */
export function replayKept(parser: LineParser, kept: KeptLines, lineBase: number, before?: (i: number) => void, from = 0, to = kept.ends.length): void {
  const buf = Buffer.from(kept.bytes.buffer, kept.bytes.byteOffset, kept.bytes.length);
  const { ends, lineNos } = kept;
  let start = from === 0 ? 0 : ends[from - 1];
  for (let i = from; i < to; i++) {
    before?.(i);
    parser.line(buf, start, ends[i], lineBase + lineNos[i]);
    start = ends[i];
  }
  const last = to === ends.length;
  const lines = (last ? kept.lines : lineNos[to] - 1) - (from === 0 ? 0 : lineNos[from] - 1);
  parser.stats.lines += lines - (to - from);
  if (last) parser.stats.unparsable += kept.overlong;
}

/**
 * Where the part of a batch that begins at kept line `from` (at file offset `at`) ends: at the
 * first kept line that begins `bytes` or more after `at`, else at the batch's end.
 */
export function nextPart(kept: KeptLines, from: number, at: number, bytes = PART_BYTES): number {
  let i = from;
  while (i < kept.starts.length && kept.starts[i] - at < bytes) i++;
  return i === from && i < kept.starts.length ? i + 1 : i;
}

/** A serial read's chunk: how much of the log a part of a batch covers. */
const PART_BYTES = 1 << 20;

/** A copy of `array`'s first `used` elements in an array of at least `need` (doubling). */
function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T, used: number, need: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(array.length * 2, need));
  bigger.set(array.subarray(0, used));
  return bigger;
}

/** The share of a sample's bytes a filter keeps (a log where it keeps most is read faster on one thread). */
export function keptShare(filter: LineFilter, sample: Buffer): number {
  if (sample.length === 0) return 0;
  const collector = new KeptCollector(filter);
  const splitter = new LineSplitter(collector);
  splitter.push(sample);
  return collector.take().bytes.length / sample.length;
}
