import type { LoginEvent } from '../core/login-event.js';
import type { RunCoverage } from '../core/log-coverage.js';
import type { RunConfig } from '../config/run-config.js';
import type { LogFormat } from '../sources/log-format.js';
import type { YearSource } from '../time/year-inference.js';
import { openInputs } from '../sources/log-input.js';
import { LoginStream, textWeight, type StreamOptions, type WorkerOptions } from '../sources/login-stream.js';
import { RemoteLoginStream } from '../sources/parallel/remote-login-stream.js';
import { WorkerPool } from '../sources/parallel/worker-pool.js';
import { STREAM_FORCE_ENV } from '../sources/parallel/stream-protocol.js';
import { FORMATS } from '../sources/formats.js';
import type { LogInput } from '../sources/log-input.js';
import { rangeStarts } from '../sources/parallel/piece-ranges.js';
import { eachEvent, mergeByTime } from '../sources/merge-by-time.js';
import type { ReadProgress } from '../sources/read-progress.js';
import { groupRotatedSets } from '../sources/rotated-sets.js';
import { jobsOf, MIN_PARALLEL_JOBS } from '../config/jobs.js';

export type { ReadProgress };

/** Per input, what was read and what the log can tell (SPEC §4: say what a log can give). */
export interface InputReport {
  readonly label: string;
  readonly format: string | null;
  readonly lines: number;
  readonly unparsable: number;
  readonly logins: number;
  readonly loginsWithIp: number;
  readonly loginsWithResource: number;
  /** Only for logs whose lines have no year: the first line's year, and where it came from. */
  readonly year?: number;
  readonly yearFrom?: YearSource;
  /** Logins over BOSH or WebSocket, and those of them whose only address was the reverse proxy's. */
  readonly webLogins: number;
  readonly proxyOnlyLogins: number;
}

export interface Notices {
  notice(key: string, message: string): void;
  verbose(message: string): void;
}

/**
 * Test-only: `MONTHLY_VISITORS_TEST_RANGE_BYTES=N` reads logs of any size on workers, in ranges of
 * N bytes, so tests can check small real logs cut at many points against a serial read.
 */
const TEST_RANGE_ENV = 'MONTHLY_VISITORS_TEST_RANGE_BYTES';

export function testRanges(): WorkerOptions & { rangeBytes?: number } {
  const n = Number(process.env[TEST_RANGE_ENV]);
  if (!(n >= 1)) return {};
  return { force: true, plan: (size) => rangeStarts(size, n), rangeBytes: n };
}

/**
 * Logs with less text than this are parsed on the main thread: a worker's start costs about 45 ms
 * of CPU and 30 ms before its first logins, what parsing some 16 MB of a debug log costs, and a
 * cron run over a few new lines starts none. Gzip pieces count 8× their size (about their text).
 */
const STREAM_MIN_BYTES = 16 << 20;

/**
 * Whether a log is read on a stream worker: `--jobs` of `MIN_PARALLEL_JOBS` or more, files (not standard input) with
 * enough text that a worker's start (about 45 ms of CPU) pays, and a format a worker can name.
 */
function readsOnWorker(pieces: readonly LogInput[], config: RunConfig, jobs: number, forced: boolean): boolean {
  if (jobs < (forced ? 2 : MIN_PARALLEL_JOBS) || pieces.some((p) => p.file === undefined)) return false;
  if (config.format !== null && !FORMATS.includes(config.format)) return false; // --line-regex, a custom time format
  return forced || textWeight(pieces) >= STREAM_MIN_BYTES;
}

type AnyStream = LoginStream | RemoteLoginStream;

/** All inputs of a run as one time-ordered stream of logins, with per-input reports. */
export class LoginSource {
  private constructor(
    private readonly streams: AnyStream[],
    private readonly pool: WorkerPool | null,
    private readonly notices: Notices,
  ) {}

  /**
   * With `coverage`, every log also reports the times of its lines there (backfill's partial
   * months); with `progress`, the bytes to read, read, and logins found.
   *
   * `--jobs N` (N ≥ 3): each large log is parsed on a stream worker of its own while this thread
   * runs the module's rule on its logins (the two halves of a run), and that worker has the log's
   * byte ranges split and filtered on N - 2 range workers.
   */
  static async open(paths: readonly string[], config: RunConfig, notices: Notices, coverage?: RunCoverage, progress?: ReadProgress): Promise<LoginSource> {
    const inputs = await openInputs(paths);
    if (progress) for (const input of inputs) if (input.size !== null) progress.addTotal(input.size);
    const jobs = jobsOf(config);
    const test = testRanges();
    const streamForced = process.env[STREAM_FORCE_ENV] === '1';
    let pool: WorkerPool | null = null;
    const streams: AnyStream[] = [];
    for (const pieces of groupRotatedSets(inputs)) {
      const options: StreamOptions = {
        format: config.format,
        time: { zone: config.zone, monthZone: config.monthZone, firstYear: config.firstYear },
        notice: (key, message) => notices.notice(key, message),
        detected: (label: string, format: LogFormat) => notices.verbose(`${label}: ${format.description}`),
        coverage: coverage?.log(),
        progress,
      };
      // Ranges parsed on every core, stitched here (a Prosody debug log): from 2 jobs on — but for a set
      // that is mostly gzip, whose serial read already keeps 2 cores busy (inflating on libuv's pool
      // while this thread parses): measured 10 % slower with 2 workers, so from 3.
      const files = pieces.every((p) => p.file !== undefined); // not standard input
      const mostlyGzip = files && 2 * textWeight(pieces.filter((p) => p.gzip)) > textWeight(pieces);
      const rangeJobsFrom = mostlyGzip && test.force !== true ? MIN_PARALLEL_JOBS : 2;
      if (jobs >= rangeJobsFrom && files && !streamForced && (config.format === null || FORMATS.includes(config.format))) {
        // Told of the format only if it reads this log: another stream would detect it again.
        const stream = new LoginStream(pieces, { ...options, detected: undefined });
        pool ??= new WorkerPool(jobs);
        if (await stream.useWorkers(pool, { ...test, mode: 'parse' })) {
          if (config.format === null && stream.format !== null) options.detected!(pieces[0].label, stream.format);
          notices.verbose(`${pieces[0].label}: read by up to ${jobs} worker threads (its ranges parsed on their own)`);
          streams.push(stream);
          continue;
        }
      }
      if (!readsOnWorker(pieces, config, jobs, test.force === true || streamForced)) {
        streams.push(new LoginStream(pieces, options));
        continue;
      }
      // This thread and the stream worker take a core each; range workers get the rest.
      const rangeJobs = test.force === true ? Math.max(1, jobs - 1) : Math.max(0, jobs - 2);
      const threads = 1 + rangeJobs;
      notices.verbose(`${pieces[0].label}: read by ${threads === 1 ? 'a worker thread' : `up to ${threads} worker threads`}`);
      streams.push(new RemoteLoginStream(pieces, options, { rangeJobs, testRangeBytes: test.rangeBytes ?? null }));
    }
    return new LoginSource(streams, pool, notices);
  }

  /** The logins in time order, in batches (the hot path: no promise round trip per login). Workers end with it. */
  async *loginBatches(): AsyncGenerator<LoginEvent[]> {
    try {
      yield* mergeByTime(this.streams);
      for (const stream of this.streams) {
        if (!(stream instanceof LoginStream) || stream.rangeCounts.readAgain === 0) continue;
        const { stitched, readAgain } = stream.rangeCounts;
        this.notices.verbose(`${stream.inputs[0].label}: ${readAgain} of ${stitched + readAgain} ranges read again on the main thread (stitching them could not be exact)`);
      }
    } finally {
      for (const stream of this.streams) if (stream instanceof RemoteLoginStream) stream.close();
      this.pool?.close();
    }
  }

  /** The logins in time order, one by one. */
  logins(): AsyncGenerator<LoginEvent> {
    return eachEvent(this.loginBatches());
  }

  reports(): InputReport[] {
    return this.streams.flatMap((s) =>
      s.stats.map((piece) => ({
        label: piece.label,
        format: s.format?.name ?? null,
        lines: piece.lines,
        unparsable: piece.unparsable,
        logins: piece.logins,
        loginsWithIp: piece.loginsWithIp,
        loginsWithResource: piece.loginsWithResource,
        ...(piece.year === undefined ? {} : { year: piece.year, yearFrom: piece.yearFrom }),
        webLogins: piece.webLogins,
        proxyOnlyLogins: piece.proxyOnlyLogins,
      })),
    );
  }
}
