import type { LoginEvent } from '../core/login-event.js';
import type { RunCoverage } from '../core/log-coverage.js';
import type { RunConfig } from '../config/run-config.js';
import type { LogFormat } from '../sources/log-format.js';
import type { YearSource } from '../time/year-inference.js';
import { openInputs } from '../sources/log-input.js';
import { LoginStream, type WorkerOptions } from '../sources/login-stream.js';
import { rangeStarts } from '../sources/parallel/piece-ranges.js';
import { eachEvent, mergeByTime } from '../sources/merge-by-time.js';
import type { ReadProgress } from '../sources/read-progress.js';
import { groupRotatedSets } from '../sources/rotated-sets.js';
import { WorkerPool } from '../sources/parallel/worker-pool.js';
import { jobsOf } from '../config/jobs.js';

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

export function testRanges(): WorkerOptions {
  const n = Number(process.env[TEST_RANGE_ENV]);
  if (!(n >= 1)) return {};
  return { force: true, plan: (size) => rangeStarts(size, n) };
}

/** All inputs of a run as one time-ordered stream of logins, with per-input reports. */
export class LoginSource {
  private constructor(
    private readonly streams: LoginStream[],
    private readonly pool: WorkerPool | null,
  ) {}

  /**
   * With `coverage`, every log also reports the times of its lines there (backfill's partial
   * months); with `progress`, the bytes to read, read, and logins found.
   */
  static async open(paths: readonly string[], config: RunConfig, notices: Notices, coverage?: RunCoverage, progress?: ReadProgress): Promise<LoginSource> {
    const inputs = await openInputs(paths);
    if (progress) for (const input of inputs) if (input.size !== null) progress.addTotal(input.size);
    const logs = groupRotatedSets(inputs);
    const streams = logs.map(
      (pieces) =>
        new LoginStream(pieces, {
          format: config.format,
          time: { zone: config.zone, monthZone: config.monthZone, firstYear: config.firstYear },
          notice: (key, message) => notices.notice(key, message),
          detected: (label: string, format: LogFormat) => notices.verbose(`${label}: ${format.description}`),
          coverage: coverage?.log(),
          progress,
        }),
    );
    // `--jobs`: large logs are read by worker threads (started only when a log needs them).
    const jobs = jobsOf(config);
    const pool = jobs > 1 ? new WorkerPool(jobs) : null;
    if (pool !== null) {
      for (const stream of streams) {
        if (await stream.useWorkers(pool, testRanges())) notices.verbose(`${stream.inputs[0].label}: read by up to ${jobs} worker threads`);
      }
    }
    return new LoginSource(streams, pool);
  }

  /** The logins in time order, in batches (the hot path: no promise round trip per login). Workers end with it. */
  async *loginBatches(): AsyncGenerator<LoginEvent[]> {
    try {
      yield* mergeByTime(this.streams);
    } finally {
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
