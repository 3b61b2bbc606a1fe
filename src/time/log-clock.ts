import type { TimeOptions } from '../sources/log-format.js';
import { isoWithOffset, monthOf, type TimeZone, type WallClock } from './zone.js';

/** When a login happened, in the three forms the run needs. */
export interface Stamp {
  readonly time: number;
  readonly month: string;
  readonly localTime: string;
}

/** Turns a log line's wall-clock time into an instant, the month it counts in, and ISO text. */
export class LogClock {
  /** Reused by `stampAt` (a stamp copies the fields). */
  private readonly wall: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0 };
  /** The last stamp's month and its text (most stamps are in the month of the one before). */
  private monthYear = NaN;
  private monthNumber = NaN;
  private monthString = '';
  /** The last stamp's hour, and its `Date.UTC`. */
  private hourYear = NaN;
  private hourMonth = NaN;
  private hourDay = NaN;
  private hourHour = NaN;
  private hourMs = NaN;

  constructor(private readonly options: TimeOptions) {}

  stamp(w: WallClock): Stamp {
    const { zone } = this.options;
    const time = zone.epochOfWall(this.asUtc(w));
    return new ClockStamp(time, this.monthOf(time, w), w, zone, 0);
  }

  /** `stamp` of these wall-clock fields, for a parser that has them as numbers (no object per call). */
  stampAt(year: number, month: number, day: number, hour: number, minute: number, second: number, millisecond: number): Stamp {
    const w = this.wall;
    w.year = year;
    w.month = month;
    w.day = day;
    w.hour = hour;
    w.minute = minute;
    w.second = second;
    w.millisecond = millisecond;
    return this.stamp(w);
  }

  /** For formats that log an instant with its offset (ejabberd): months on the log's wall clock. */
  stampWithOffset(w: WallClock, offsetMs: number): Stamp {
    const time = this.asUtc(w) - offsetMs;
    return new ClockStamp(time, this.monthOf(time, w), w, null, offsetMs);
  }

  /**
   * `Date.UTC` of the fields, with the hour's start remembered: a log's lines come hour by hour,
   * and `Date.UTC` (a call into C++) was a tenth of a parse. Exact: `Date.UTC` adds whole minutes,
   * seconds and milliseconds to the hour's start as integer milliseconds; other values (none a
   * parser makes) and times near the end of its range go to `Date.UTC` itself.
   */
  private asUtc(w: WallClock): number {
    const { minute, second, millisecond } = w;
    if (w.year !== this.hourYear || w.month !== this.hourMonth || w.day !== this.hourDay || w.hour !== this.hourHour) {
      this.hourYear = w.year;
      this.hourMonth = w.month;
      this.hourDay = w.day;
      this.hourHour = w.hour;
      this.hourMs = Date.UTC(w.year, w.month - 1, w.day, w.hour);
    }
    if (isSmallWhole(minute) && isSmallWhole(second) && isSmallWhole(millisecond) && Math.abs(this.hourMs) < 8.6e15) {
      return this.hourMs + minute * 60_000 + second * 1000 + millisecond;
    }
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, minute, second, millisecond);
  }

  /** The month `time` counts in: the log's wall-clock month, or the month on `monthZone`'s clock. */
  private monthOf(time: number, w: WallClock): string {
    const { monthZone } = this.options;
    if (monthZone === null) return this.monthText(w.year, w.month);
    const m = monthZone.wallClock(time);
    return this.monthText(m.year, m.month);
  }

  private monthText(year: number, month: number): string {
    if (year !== this.monthYear || month !== this.monthNumber) {
      this.monthYear = year;
      this.monthNumber = month;
      this.monthString = monthOf(year, month);
    }
    return this.monthString;
  }
}

/** An integer in [0, 1000). */
function isSmallWhole(x: number): boolean {
  return x >= 0 && x < 1000 && (x | 0) === x;
}

/**
 * A stamp whose ISO text is made only when asked: it is shown by `events`, kept as tail's
 * `lastTime` and as the ends of backfill's coverage, but most stamps (one per login, one per minute
 * of log) never are, and formatting them all was 3-7% of a run. The wall-clock fields are copied,
 * so the caller's object may be reused.
 */
class ClockStamp implements Stamp {
  readonly year: number;
  readonly monthNumber: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  private text: string | undefined;

  constructor(
    readonly time: number,
    readonly month: string,
    w: WallClock,
    /** The zone whose offset applies at `time`, or null to use `offsetMs`. */
    private readonly zone: TimeZone | null,
    private readonly offsetMs: number,
  ) {
    this.year = w.year;
    this.monthNumber = w.month;
    this.day = w.day;
    this.hour = w.hour;
    this.minute = w.minute;
    this.second = w.second;
    this.millisecond = w.millisecond;
  }

  /** What another thread needs to make this stamp again (`--jobs` reads a log on a worker). */
  parts(): StampParts {
    return { time: this.time, month: this.month, wall: [this.year, this.monthNumber, this.day, this.hour, this.minute, this.second, this.millisecond], zoned: this.zone !== null, offsetMs: this.offsetMs };
  }

  get localTime(): string {
    if (this.text === undefined) {
      const wall = { year: this.year, month: this.monthNumber, day: this.day, hour: this.hour, minute: this.minute, second: this.second, millisecond: this.millisecond };
      this.text = isoWithOffset(wall, this.zone === null ? this.offsetMs : this.zone.offsetAt(this.time));
    }
    return this.text;
  }
}

/** A stamp as numbers and text (`ClockStamp.parts`): the wall clock as logged, and how it was placed in time. */
export interface StampParts {
  readonly time: number;
  readonly month: string;
  /** year, month, day, hour, minute, second, millisecond */
  readonly wall: readonly [number, number, number, number, number, number, number];
  /** true: the run's zone gives the offset; false: `offsetMs`, as the line said. */
  readonly zoned: boolean;
  readonly offsetMs: number;
}

/** The parts of a stamp made by a `LogClock`; null for any other. */
export function stampParts(stamp: Stamp): StampParts | null {
  return stamp instanceof ClockStamp ? stamp.parts() : null;
}

/** The stamp `stampParts` took apart, in a run whose zone is `zone`. */
export function stampFromParts(p: StampParts, zone: TimeZone): Stamp {
  const [year, month, day, hour, minute, second, millisecond] = p.wall;
  return new ClockStamp(p.time, p.month, { year, month, day, hour, minute, second, millisecond }, p.zoned ? zone : null, p.offsetMs);
}
