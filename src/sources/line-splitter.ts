import type { LineParser } from './log-format.js';

/** A line longer than this is cut off and counted as unparsable: no log line is legitimately larger. */
export const MAX_LINE_BYTES = 1 << 20;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts chunks of bytes into lines for a parser, carrying a partial line over to the next chunk.
 * Lines are handed over as ranges of the chunk (no copy); only a line split across two chunks is
 * copied. An overlong line is skipped up to its newline, so one bad line cannot exhaust memory.
 */
export class LineSplitter {
  private carry: Buffer | null = null;
  private skippingOverlong = false;
  /** Bytes of the overlong line being skipped. */
  private consumedPending = 0;
  private lineNo = 0;
  /** Bytes of complete lines handed to the parser so far (the offset a checkpoint may point to). */
  consumedBytes = 0;

  constructor(private readonly parser: LineParser) {}

  get linesSeen(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry !== null || this.skippingOverlong) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.extendCarry(chunk);
        return;
      }
      this.extendCarry(chunk.subarray(0, nl));
      this.finishCarry(1);
      pos = nl + 1;
    }
    const n = chunk.length;
    while (pos < n) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.extendCarry(chunk.subarray(pos));
        return;
      }
      this.deliver(chunk, pos, nl, nl + 1 - pos);
      pos = nl + 1;
    }
  }

  /** End of one file: a last line without a newline is still a line. */
  flush(): void {
    if (this.carry !== null || this.skippingOverlong) this.finishCarry(0);
  }

  /** End of input: flush, and let the parser settle what waited for a later line. */
  end(): void {
    this.flush();
    this.parser.end();
  }

  private extendCarry(part: Buffer): void {
    if (this.skippingOverlong) {
      this.consumedPending += part.length;
      return;
    }
    const length = (this.carry?.length ?? 0) + part.length;
    if (length > MAX_LINE_BYTES) {
      this.skippingOverlong = true;
      this.consumedPending = length;
      this.carry = null;
      return;
    }
    this.carry = this.carry === null ? Buffer.from(part) : Buffer.concat([this.carry, part]);
  }

  /** The carried line is complete; `newlineBytes` is 1 when its newline was seen, else 0. */
  private finishCarry(newlineBytes: number): void {
    if (this.skippingOverlong) {
      this.lineNo++;
      this.parser.stats.lines++;
      this.parser.stats.unparsable++;
      this.consumedBytes += this.consumedPending + newlineBytes;
      this.skippingOverlong = false;
      this.consumedPending = 0;
      return;
    }
    const line = this.carry!;
    this.carry = null;
    this.deliver(line, 0, line.length, line.length + newlineBytes);
  }

  private deliver(buf: Buffer, start: number, end: number, bytes: number): void {
    this.lineNo++;
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end; // CRLF logs
    this.parser.line(buf, start, stop, this.lineNo);
    this.consumedBytes += bytes;
  }
}
