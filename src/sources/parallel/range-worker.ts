import { parentPort } from 'node:worker_threads';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { FORMATS } from '../formats.js';
import { LineSplitter } from '../line-splitter.js';
import { FAULT_ENV, type RangeTask, type WorkerReply } from './range-protocol.js';
import { KeptCollector } from './kept-collector.js';

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

function post(reply: WorkerReply): void {
  if (reply.type === 'batch') parentPort!.postMessage(reply, [reply.kept.bytes.buffer, reply.kept.ends.buffer, reply.kept.lineNos.buffer, reply.kept.starts.buffer] as ArrayBuffer[]);
  else parentPort!.postMessage(reply);
}

async function run(task: RangeTask): Promise<void> {
  if (task.parse !== undefined) return parse(task, task.parse);
  const filter = FORMATS.find((f) => f.name === task.format)?.lineFilter?.();
  if (filter === undefined) throw new Error(`no line filter for format ${task.format}`);
  let start = task.gzip ? task.from : 0; // where the splitter's first byte is in the file
  const collector: KeptCollector = new KeptCollector(filter, (): number => start + splitter.consumedBytes);
  const splitter: LineSplitter = new LineSplitter(collector);
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
  await readTask(task, feed, (from) => (start = from));
  splitter.flush();
  post({ type: 'batch', id: task.id, kept: collector.take() });
  if (batches === 0) faultPoint(task);
  post({ type: 'done', id: task.id });
}

/** A task parsed on its own (`LogFormat.rangeParser`): one result for the whole task. */
async function parse(task: RangeTask, how: NonNullable<RangeTask['parse']>): Promise<void> {
  const range = FORMATS.find((f) => f.name === task.format)?.rangeParser?.(task.path, how.debugSeenBefore, how.coverage);
  if (range === undefined) throw new Error(`no range parser for format ${task.format}`);
  const splitter = new LineSplitter(range.parser);
  let start = task.gzip ? task.from : 0;
  let fed = 0;
  const feed = (chunk: Buffer) => {
    splitter.push(chunk);
    fed += chunk.length;
    if (fed >= BATCH_INPUT_BYTES) {
      fed = -Infinity;
      faultPoint(task);
    }
  };
  await readTask(task, feed, (from) => (start = from));
  splitter.flush();
  if (fed >= 0) faultPoint(task);
  post({ type: 'parsed', id: task.id, range: { parsed: range.result(), start, end: start + splitter.consumedBytes } });
  post({ type: 'done', id: task.id });
}

/** A task's bytes to `feed`: a gzip file's content from `from` on, or a plain file's range (where its lines begin, told to `begin`). */
async function readTask(task: RangeTask, feed: (chunk: Buffer) => void, begin: (pos: number) => void): Promise<void> {
  if (!task.gzip) return readRange(task, feed, begin);
  let skip = task.from;
  for await (const chunk of gunzipped(task)) {
    if (skip >= chunk.length) skip -= chunk.length;
    else {
      feed(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
  }
}

/** The lines that begin in `[from, to)`: from the first line start at or after each end (told to `begin`). */
function readRange(task: RangeTask, feed: (chunk: Buffer) => void, begin: (pos: number) => void): void {
  const fd = openSync(task.path, 'r');
  try {
    checkExpected(fd, task);
    const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    let pos = lineStartAtOrAfter(fd, task.from, chunk);
    begin(pos);
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

/** A gzip file's content; a read error ends it with that error (`pipe` alone would leave it waiting). */
function gunzipped(task: RangeTask): AsyncIterable<Buffer> {
  const fd = openSync(task.path, 'r');
  try {
    checkExpected(fd, task);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  const file = createReadStream(task.path, { fd, highWaterMark: CHUNK_BYTES }).on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

/** `tail` planned another file than the one now under the path (a rotation meanwhile): the task fails, `EMOVED`. */
function checkExpected(fd: number, task: RangeTask): void {
  const { expect } = task;
  if (expect === undefined) return;
  const stat = fstatSync(fd);
  if (stat.dev !== expect.dev || stat.ino !== expect.ino) throw Object.assign(new Error(`${task.path} is another file now`), { code: 'EMOVED' });
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
