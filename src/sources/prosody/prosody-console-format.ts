import type { LineParser, ParserContext, ParserStats, TimeOptions } from '../log-format.js';
import type { InnerFormat } from '../containers/inner-format.js';
import { LogClock, type Stamp } from '../../time/log-clock.js';
import { indexOfByte, SPACE, TAB } from '../bytes.js';
import { ProsodySessions } from './prosody-sessions.js';

const LEVELS = ['debug', 'info', 'warn', 'error'].map((l) => Buffer.from(l, 'latin1'));
const DEBUG = 0;
const DETECT = /^\S+ +(debug|info|warn|error)\t/;

/**
 * Prosody's console sink (`to = "console"`, what containers capture): the file sink's line without
 * a timestamp, `<source padded with spaces><level>\t<message>`; the padding grows during a run.
 * The time is the container runtime's (an instant), shown on `--timezone`'s wall clock, whose
 * month the login counts in (SPEC §5), unless `--month-timezone` says otherwise.
 */
export const prosodyConsoleSink: InnerFormat = {
  name: 'prosody',
  label: "Prosody's console sink",
  detect: (sample) => sample.some((line) => DETECT.test(line)),
  createParser: (ctx, time, instantMs) => new ProsodyConsoleParser(ctx, time, instantMs),
};

class ProsodyConsoleParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private readonly sessions: ProsodySessions;
  private readonly clock: LogClock;
  private readonly stamp = (): Stamp => this.clock.stamp(this.time.zone.wallClock(this.instantMs()));

  constructor(
    private readonly ctx: ParserContext,
    private readonly time: TimeOptions,
    private readonly instantMs: () => number,
  ) {
    this.sessions = new ProsodySessions(ctx, this.stats);
    this.clock = new LogClock(time);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    if (end === start || buf[start] === TAB) return; // blank, or a traceback continuation
    const tab = indexOfByte(buf, TAB, start, end);
    const srcEnd = tab < 0 ? -1 : indexOfByte(buf, SPACE, start, tab);
    const level = srcEnd <= start ? -1 : levelOf(buf, srcEnd, tab);
    if (level < 0) {
      this.stats.unparsable++;
      return;
    }
    this.ctx.lineTime?.(Math.floor(this.instantMs() / 60_000), this.stamp);
    this.sessions.message(buf, start, srcEnd, level === DEBUG, tab + 1, end, lineNo, this.stamp);
  }

  nextFile(): void {
    // The runtime's timestamps are complete instants.
  }

  end(): void {
    this.sessions.end();
  }

  pendingSince(): number | undefined {
    return this.sessions.pendingSince();
  }
}

/** The level in `buf[from, tab)` after the source column's padding spaces: its index, or -1. */
function levelOf(buf: Buffer, from: number, tab: number): number {
  let p = from;
  while (p < tab && buf[p] === SPACE) p++;
  const n = tab - p;
  return LEVELS.findIndex((l) => l.length === n && buf.compare(l, 0, n, p, tab) === 0);
}
