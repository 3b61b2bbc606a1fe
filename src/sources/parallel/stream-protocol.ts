/** What the main thread and a stream worker say to each other (`--jobs`: a whole log parsed on a worker). */
import type { LoginColumns } from './login-columns.js';
import type { PieceStats } from '../login-stream.js';
import type { LinePoint } from '../../core/log-coverage.js';

/** One piece of the log, as the main thread opened it (its mtime dates the lines, as in a serial read). */
export interface StreamPiece {
  readonly label: string;
  readonly path: string;
  readonly mtimeMs: number | null;
  readonly gzip: boolean;
  readonly size: number;
}

export interface StreamTask {
  readonly pieces: readonly StreamPiece[];
  /** A `FORMATS` name, or null to detect it as a serial read does. */
  readonly format: string | null;
  readonly zone: string;
  readonly monthZone: string | null;
  readonly firstYear: number | undefined;
  /** Set when the run wants the times the log covers (backfill), to the run's largest gap. */
  readonly coverageGapMs: number | null;
  /** > 0: the worker has the log's ranges split and filtered on a pool of this many range workers of its own. */
  readonly rangeJobs: number;
  /** Test-only: range workers for any size, in ranges of this many bytes. */
  readonly testRangeBytes: number | null;
}

export interface CoverageSeen {
  readonly intervals: { start: number; end: number }[];
  readonly months: [string, { first: LinePoint; last: LinePoint }][];
}

export type StreamReply =
  | { readonly type: 'logins'; readonly logins: LoginColumns; readonly read: number }
  | { readonly type: 'notice'; readonly key: string; readonly message: string }
  | { readonly type: 'detected'; readonly label: string; readonly format: string }
  | { readonly type: 'end'; readonly format: string | null; readonly stats: PieceStats[]; readonly coverage: CoverageSeen | null; readonly read: number }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

/** Main → worker: the task, then one `ack` per logins message taken (the worker runs at most a window ahead). */
export type StreamRequest = { readonly type: 'start'; readonly task: StreamTask } | { readonly type: 'ack' };

/** Logins messages a worker may send before the main thread has taken them. */
export const STREAM_WINDOW = 8;
/** Logins per message (fewer at the end): a message costs tens of µs, a login a few. */
export const STREAM_BATCH = 4096;

/**
 * Test-only: `MONTHLY_VISITORS_TEST_STREAM_WORKER=1` parses logs of any size on a stream worker;
 * `MONTHLY_VISITORS_TEST_STREAM_FAULT=exit|throw` makes that worker stop abruptly (as if killed)
 * or throw after its first logins message.
 */
export const STREAM_FORCE_ENV = 'MONTHLY_VISITORS_TEST_STREAM_WORKER';
export const STREAM_FAULT_ENV = 'MONTHLY_VISITORS_TEST_STREAM_FAULT';
