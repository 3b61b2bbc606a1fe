import { Worker } from 'node:worker_threads';
import type { LoginEvent } from '../../core/login-event.js';
import { ConfigError, InputError, InputReadError, UsageError } from '../../errors.js';
import { formatByName } from '../formats.js';
import type { LogFormat } from '../log-format.js';
import type { LogInput } from '../log-input.js';
import { emptyLoginCounts } from '../login-counts.js';
import type { PieceStats, StreamOptions } from '../login-stream.js';
import { fromColumns, type LoginColumns } from './login-columns.js';
import type { StreamReply, StreamRequest, StreamTask } from './stream-protocol.js';

/** The errors a serial read can end with, by name: a worker's ends the run the same way. */
const ERRORS: Record<string, new (message: string) => Error> = { InputError, InputReadError, UsageError, ConfigError };

/** How a stream worker reads its log besides what `StreamOptions` says. */
export interface RemoteOptions {
  /** > 0: the worker has the log's ranges split and filtered on this many range workers of its own. */
  readonly rangeJobs: number;
  readonly testRangeBytes: number | null;
}

/**
 * One log read by a stream worker (`stream-worker.ts`): the same batches of logins, figures and
 * notices as a `LoginStream` on this thread, in the same order. The worker starts on the first
 * `next()` and is ended by `close()` (or by its log's end); it never keeps the process alive.
 */
export class RemoteLoginStream {
  format: LogFormat | null;
  private worker: Worker | null = null;
  private readonly queue: LoginColumns[] = [];
  private ended: { stats: PieceStats[] } | null = null;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    readonly inputs: readonly LogInput[],
    private readonly options: StreamOptions,
    private readonly remote: RemoteOptions,
  ) {
    this.format = options.format;
  }

  /** Per file: lines read and unparsable lines (known once the log is read). */
  get stats(): readonly PieceStats[] {
    return this.ended?.stats ?? this.inputs.map((i) => ({ label: i.label, lines: 0, unparsable: 0, ...emptyLoginCounts() }));
  }

  async next(): Promise<LoginEvent[] | null> {
    if (this.worker === null && this.ended === null) this.start();
    for (;;) {
      const columns = this.queue.shift();
      if (columns !== undefined) {
        this.worker?.postMessage({ type: 'ack' } satisfies StreamRequest);
        const logins = fromColumns(columns, this.options.time.zone);
        this.options.progress?.addLogins(logins.length);
        return logins;
      }
      if (this.failure !== null) throw this.failure;
      if (this.ended !== null) {
        this.close();
        return null;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Ends the worker, whatever it is doing. */
  close(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) void worker.terminate();
  }

  private start(): void {
    const { time, coverage } = this.options;
    const task: StreamTask = {
      pieces: this.inputs.map((i) => ({ label: i.label, path: i.file!.path, mtimeMs: i.mtimeMs, gzip: i.gzip, size: i.file!.size })),
      format: this.format?.name ?? null,
      zone: time.zone.name,
      monthZone: time.monthZone?.name ?? null,
      firstYear: time.firstYear,
      coverageGapMs: coverage?.maxGapMs ?? null,
      rangeJobs: this.remote.rangeJobs,
      testRangeBytes: this.remote.testRangeBytes,
    };
    const worker = new Worker(new URL('./stream-worker.js', import.meta.url));
    this.worker = worker;
    worker.on('message', (reply: StreamReply) => this.receive(reply));
    worker.on('error', (err: Error) => this.fail(new InputReadError(`${this.inputs[0].label}: ${err.message}`)));
    worker.on('exit', (code) => {
      if (this.ended === null) this.fail(new InputReadError(`${this.inputs[0].label}: the worker thread reading it stopped (exit code ${code})`));
    });
    worker.postMessage({ type: 'start', task } satisfies StreamRequest);
  }

  private receive(reply: StreamReply): void {
    switch (reply.type) {
      case 'logins':
        this.options.progress?.addRead(reply.read);
        this.queue.push(reply.logins);
        break;
      case 'notice':
        this.options.notice(reply.key, reply.message);
        break;
      case 'detected':
        this.format = formatByName(reply.format);
        this.options.detected?.(reply.label, this.format);
        break;
      case 'end':
        this.options.progress?.addRead(reply.read);
        if (reply.format !== null) this.format = formatByName(reply.format);
        if (reply.coverage !== null) this.options.coverage?.absorb(reply.coverage);
        this.ended = { stats: reply.stats };
        break;
      case 'error': {
        const Known = ERRORS[reply.name];
        // Anything else (a bug, out of memory) ends the run as a read error naming the log.
        this.fail(Known !== undefined ? new Known(reply.message) : new InputReadError(`${this.inputs[0].label}: ${reply.message}`));
        break;
      }
    }
    this.notify();
  }

  private fail(failure: Error): void {
    if (this.failure !== null || this.ended !== null) return;
    this.failure = failure;
    this.close();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
