import { parentPort } from 'node:worker_threads';
import { formatByName } from '../formats.js';
import { fileInput } from '../log-input.js';
import { LoginStream } from '../login-stream.js';
import { LogCoverage } from '../../core/log-coverage.js';
import { TimeZone } from '../../time/zone.js';
import type { LoginEvent } from '../../core/login-event.js';
import { toColumns } from './login-columns.js';
import { rangeStarts } from './piece-ranges.js';
import { WorkerPool } from './worker-pool.js';
import { STREAM_BATCH, STREAM_FAULT_ENV, STREAM_WINDOW, type StreamReply, type StreamRequest, type StreamTask } from './stream-protocol.js';

/**
 * A stream worker of `--jobs`: reads one log (a file or a rotated set) with the very `LoginStream`
 * a serial run uses — same parser, same state, same order — and sends its logins to the main
 * thread in batches, which counts them while this thread parses on. The parse and the module's
 * rule, each about half of a run, then take a core each. Notices, the detected format, per-piece
 * figures and the times the log covers go across too, so the run says what a serial one says.
 */

let credit = STREAM_WINDOW;
let wake: (() => void) | null = null;

function post(reply: StreamReply): void {
  if (reply.type === 'logins') {
    const { numbers, ints, flags } = reply.logins;
    parentPort!.postMessage(reply, [numbers.buffer, ints.buffer, flags.buffer] as ArrayBuffer[]);
  } else {
    parentPort!.postMessage(reply);
  }
}

async function run(task: StreamTask): Promise<void> {
  const inputs = task.pieces.map((p) => fileInput(p.label, p.path, p.mtimeMs, p.gzip, p.size));
  const coverage = task.coverageGapMs === null ? null : new LogCoverage(task.coverageGapMs, new Map());
  let read = 0;
  const stream = new LoginStream(inputs, {
    format: task.format === null ? null : formatByName(task.format),
    time: { zone: TimeZone.of(task.zone), monthZone: task.monthZone === null ? null : TimeZone.of(task.monthZone), firstYear: task.firstYear },
    notice: (key, message) => post({ type: 'notice', key, message }),
    detected: (label, format) => post({ type: 'detected', label, format: format.name }),
    coverage: coverage ?? undefined,
    progress: { addTotal: () => {}, addRead: (bytes) => (read += bytes), addLogins: () => {} },
  });
  const pool = task.rangeJobs > 0 ? new WorkerPool(task.rangeJobs) : null;
  try {
    if (pool !== null) {
      const bytes = task.testRangeBytes;
      await stream.useWorkers(pool, bytes === null ? { mode: 'filter' } : { mode: 'filter', force: true, plan: (size) => rangeStarts(size, bytes) });
    }
    let pending: LoginEvent[] = [];
    const send = async () => {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      post({ type: 'logins', logins: toColumns(pending), read });
      pending = [];
      read = 0;
    };
    let sent = 0;
    const faultTest = process.env[STREAM_FAULT_ENV] !== undefined;
    for (let batch = await stream.next(); batch !== null; batch = await stream.next()) {
      for (const login of batch) pending.push(login);
      if (pending.length >= STREAM_BATCH || (sent === 0 && pending.length > 0 && faultTest)) {
        await send();
        if (sent++ === 0) faultPoint();
      }
    }
    if (pending.length > 0) await send();
    post({ type: 'end', format: stream.format?.name ?? null, stats: [...stream.stats], coverage: coverage?.seen() ?? null, read });
  } finally {
    pool?.close();
  }
}

function faultPoint(): void {
  const fault = process.env[STREAM_FAULT_ENV];
  if (fault === 'exit') process.exit(137);
  if (fault === 'throw') throw new Error('test fault: a stream worker threw');
}

parentPort!.on('message', (request: StreamRequest) => {
  if (request.type === 'ack') {
    credit++;
    const w = wake;
    wake = null;
    w?.();
    return;
  }
  run(request.task).catch((err: unknown) => {
    post({ type: 'error', name: err instanceof Error ? err.constructor.name : 'Error', message: err instanceof Error ? err.message : String(err) });
  });
});
