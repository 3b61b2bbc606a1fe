import type { LoginEvent } from '../core/login-event.js';
import type { RunCoverage } from '../core/log-coverage.js';
import type { RunConfig } from '../config/run-config.js';
import type { LogFormat } from '../sources/log-format.js';
import { openInputs } from '../sources/log-input.js';
import { LoginStream } from '../sources/login-stream.js';
import { eachEvent, mergeByTime } from '../sources/merge-by-time.js';
import { groupRotatedSets } from '../sources/rotated-sets.js';

/** Per input, what was read and what the log can tell (SPEC §4: say what a log can give). */
export interface InputReport {
  readonly label: string;
  readonly format: string | null;
  readonly lines: number;
  readonly unparsable: number;
  readonly logins: number;
  readonly loginsWithIp: number;
  readonly loginsWithResource: number;
  /** Logins over BOSH or WebSocket, and those of them whose only address was the reverse proxy's. */
  readonly webLogins: number;
  readonly proxyOnlyLogins: number;
}

export interface Notices {
  notice(key: string, message: string): void;
  verbose(message: string): void;
}

/** All inputs of a run as one time-ordered stream of logins, with per-input reports. */
export class LoginSource {
  private constructor(private readonly streams: LoginStream[]) {}

  /** With `coverage`, every log also reports the times of its lines there (backfill's partial months). */
  static async open(paths: readonly string[], config: RunConfig, notices: Notices, coverage?: RunCoverage): Promise<LoginSource> {
    const logs = groupRotatedSets(await openInputs(paths));
    const streams = logs.map(
      (pieces) =>
        new LoginStream(pieces, {
          format: config.format,
          time: { zone: config.zone, monthZone: config.monthZone, firstYear: config.firstYear },
          notice: (key, message) => notices.notice(key, message),
          detected: (label: string, format: LogFormat) => notices.verbose(`${label}: ${format.description}`),
          coverage: coverage?.log(),
        }),
    );
    return new LoginSource(streams);
  }

  /** The logins in time order, in batches (the hot path: no promise round trip per login). */
  loginBatches(): AsyncGenerator<LoginEvent[]> {
    return mergeByTime(this.streams);
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
        webLogins: piece.webLogins,
        proxyOnlyLogins: piece.proxyOnlyLogins,
      })),
    );
  }
}
