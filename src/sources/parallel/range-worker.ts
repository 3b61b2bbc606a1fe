import { parentPort } from 'node:worker_threads';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { FORMATS } from '../formats.js';
import { LineSplitter } from '../line-splitter.js';
import type { LineFilter, LineParser, ParserStats } from '../log-format.js';
import { FAULT_ENV, type KeptLines, type RangeTask, type WorkerReply } from './range-protocol.js';

/**
 * A worker thread of `--jobs`: reads a task's bytes (a plain file's range, or a whole gzip file),
 * cuts them into lines exactly as a serial run does (the same `LineSplitter`), and sends the lines
 * its format's filter keeps back in batches, in order. It holds no session state: the main thread
 * runs the format's parser over the kept lines of all ranges in log order.
 */

const CHUNK_BYTES = 1 << 20;
/** Input bytes between two batches: bounds what a worker holds, and lets the main thread start early. */
const BATCH_INPUT_BYTES = 8 << 20;
const LF = 0x0a;

/** The splitter's parser: keeps what the filter keeps, counts everything. */
class KeptCollector implements LineParser {
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

function post(reply: WorkerReply): void {
  if (reply.type === 'batch') parentPort!.postMessage(reply, [reply.kept.bytes.buffer, reply.kept.ends.buffer, reply.kept.lineNos.buffer] as ArrayBuffer[]);
  else parentPort!.postMessage(reply);
}

async function run(task: RangeTask): Promise<void> {
  const filter = FORMATS.find((f) => f.name === task.format)?.lineFilter?.();
  if (filter === undefined) throw new Error(`no line filter for format ${task.format}`);
  const collector = new KeptCollector(filter);
  const splitter = new LineSplitter(collector);
  let sinceBatch = 0;
  let batches = 0;
  const feed = (chunk: Buffer) => {
    splitter.push(chunk);
    sinceBatch += chunk.length;
    if (sinceBatch >= BATCH_INPUT_BYTES) {
      sinceBatch = 0;
      post({ type: 'batch', id: task.id, kept: collector.take() });
      if (++batches === 1) faultPoint(task);
    }
  };
  if (task.gzip) {
    for await (const chunk of createReadStream(task.path, { highWaterMark: CHUNK_BYTES }).pipe(createGunzip({ chunkSize: CHUNK_BYTES }))) feed(chunk as Buffer);
  } else {
    readRange(task, feed);
  }
  splitter.flush();
  post({ type: 'batch', id: task.id, kept: collector.take() });
  if (batches === 0) faultPoint(task);
  post({ type: 'done', id: task.id });
}

/** The lines that begin in `[from, to)`: from the first line start at or after each end. */
function readRange(task: RangeTask, feed: (chunk: Buffer) => void): void {
  const fd = openSync(task.path, 'r');
  try {
    const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    let pos = lineStartAtOrAfter(fd, task.from, chunk);
    const to = task.to === null ? Infinity : lineStartAtOrAfter(fd, task.to, chunk);
    while (pos < to) {
      const n = readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, to - pos), pos);
      if (n === 0) break;
      feed(chunk.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** 0, or the position after the first newline at or after `pos - 1` (the end of the file if none). */
export function lineStartAtOrAfter(fd: number, pos: number, scratch: Buffer): number {
  if (pos <= 0) return 0;
  let at = pos - 1;
  for (;;) {
    const n = readSync(fd, scratch, 0, Math.min(scratch.length, 64 << 10), at);
    if (n === 0) return at;
    const nl = scratch.subarray(0, n).indexOf(LF);
    if (nl >= 0) return at + nl + 1;
    at += n;
  }
}

function faultPoint(task: RangeTask): void {
  const fault = process.env[FAULT_ENV];
  if (fault === undefined || task.ordinal === 0) return;
  if (fault === 'exit') process.exit(137);
  if (fault === 'throw') throw new Error('test fault: a worker threw');
}

parentPort!.on('message', (task: RangeTask) => {
  run(task).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    post({ type: 'error', id: task.id, code: e?.code, message: e instanceof Error ? e.message : String(err) });
  });
});
