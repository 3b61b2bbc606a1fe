import { Worker } from 'node:worker_threads';
import type { KeptLines, ParsedRange, RangeTask, WorkerReply } from './range-protocol.js';

/** A task's output: batches of kept lines (filtering), or one parsed range. */
export type TaskOutput = KeptLines | ParsedRange;

/** Why a task failed: the error's `code` (e.g. zlib's `Z_DATA_ERROR`) and message, as the worker saw them. */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The batches of one task, as they arrive, read once in order. */
export class TaskResult {
  private readonly batches: TaskOutput[] = [];
  private finished = false;
  private failure: TaskFailure | null = null;
  private wake: (() => void) | null = null;

  /** The next batch, or null when the task is done; throws the task's failure. */
  async next(): Promise<TaskOutput | null> {
    for (;;) {
      if (this.batches.length > 0) return this.batches.shift()!;
      if (this.failure !== null) throw this.failure;
      if (this.finished) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  get settled(): boolean {
    return this.finished || this.failure !== null;
  }

  add(kept: TaskOutput): void {
    this.batches.push(kept);
    this.notify();
  }

  finish(): void {
    this.finished = true;
    this.notify();
  }

  fail(failure: TaskFailure): void {
    if (this.settled) return;
    this.failure = failure;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

interface Job {
  readonly task: RangeTask;
  readonly result: TaskResult;
}

/**
 * Up to `size` worker threads running range tasks first come, first served. Workers start on the
 * first task (a run that needs none starts none); an idle one does not keep the process alive;
 * `close` ends them all, whatever they are doing. A worker that throws or stops fails its task; the others go on.
 */
export class WorkerPool {
  private readonly queue: Job[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly workers = new Set<Worker>();
  private closed = false;
  private nextId = 0;

  constructor(readonly size: number) {}

  submit(task: Omit<RangeTask, 'id' | 'ordinal'>): TaskResult {
    const result = new TaskResult();
    const id = this.nextId++;
    this.queue.push({ task: { ...task, id, ordinal: id }, result });
    this.pump();
    return result;
  }

  /** Ends every worker (a run's end, or its failure): nothing is left running. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.result.fail(new TaskFailure('the run ended', undefined));
    for (const worker of this.workers) void worker.terminate();
    this.workers.clear();
    this.idle.length = 0;
  }

  private pump(): void {
    while (!this.closed && this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : null);
      if (worker === null) return;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.ref(); // a task under way keeps the process alive until its batches are in
      worker.postMessage(job.task);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./range-worker.js', import.meta.url));
    worker.unref();
    this.workers.add(worker);
    worker.on('message', (reply: WorkerReply) => {
      const job = this.running.get(worker);
      if (job === undefined || job.task.id !== reply.id) return;
      if (reply.type === 'batch') job.result.add(reply.kept);
      else if (reply.type === 'parsed') job.result.add(reply.range);
      else if (reply.type === 'error') this.release(worker, () => job.result.fail(new TaskFailure(reply.message, reply.code)));
      else this.release(worker, () => job.result.finish());
    });
    worker.on('error', (err: Error & { code?: string }) => this.lose(worker, new TaskFailure(err.message, err.code)));
    worker.on('exit', (code) => this.lose(worker, new TaskFailure(`the worker thread reading it stopped (exit code ${code})`, undefined)));
    return worker;
  }

  private release(worker: Worker, settle: () => void): void {
    this.running.delete(worker);
    worker.unref();
    settle();
    if (!this.closed) {
      this.idle.push(worker);
      this.pump();
    }
  }

  /** A worker that died: its task fails; another worker may take the queue. */
  private lose(worker: Worker, failure: TaskFailure): void {
    if (!this.workers.delete(worker)) return;
    const job = this.running.get(worker);
    this.running.delete(worker);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    job?.result.fail(failure);
    this.pump();
  }
}
