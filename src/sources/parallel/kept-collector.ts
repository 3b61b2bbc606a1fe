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
  private count = 0;
  private taken: ParserStats = { lines: 0, unparsable: 0 };

  constructor(private readonly filter: LineFilter) {}

  line(buf: Buffer, start: number, end: number): void {
    this.stats.lines++;
    if (!this.filter.keep(buf, start, end)) return;
    const length = end - start;
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used, this.used + length);
    if (this.count === this.ends.length) {
      this.ends = grow(this.ends, this.count, this.count + 1);
      this.lineNos = grow(this.lineNos, this.count, this.count + 1);
    }
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
    };
    this.bytes = new Uint8Array(this.bytes.length);
    this.ends = new Int32Array(this.ends.length);
    this.lineNos = new Int32Array(this.lineNos.length);
    this.used = 0;
    this.count = 0;
    this.taken = { ...this.stats };
    return kept;
  }
}

/** A copy of `array`'s first `used` elements in an array of at least `need` (doubling). */
function grow<T extends Uint8Array | Int32Array>(array: T, used: number, need: number): T {
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
