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
  /** The last month's text and its `year * 16 + month` (most stamps of a log are in the same month as the one before). */
  private lastMonthKey = -1;
  private lastMonth = '';

  constructor(private readonly options: TimeOptions) {}

  stamp(w: WallClock): Stamp {
    const { zone } = this.options;
    const time = zone.toEpoch(w);
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
    const time = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - offsetMs;
    return new ClockStamp(time, this.monthOf(time, w), w, null, offsetMs);
  }

  /** The month `time` counts in: the log's wall-clock month, or the month on `monthZone`'s clock. */
  private monthOf(time: number, w: WallClock): string {
    const { monthZone } = this.options;
    if (monthZone === null) return this.monthText(w.year, w.month);
    const m = monthZone.wallClock(time);
    return this.monthText(m.year, m.month);
  }

  private monthText(year: number, month: number): string {
    const key = year * 16 + month;
    if (key !== this.lastMonthKey) {
      this.lastMonthKey = key;
      this.lastMonth = monthOf(year, month);
    }
    return this.lastMonth;
  }
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

  get localTime(): string {
    if (this.text === undefined) {
      const wall = { year: this.year, month: this.monthNumber, day: this.day, hour: this.hour, minute: this.minute, second: this.second, millisecond: this.millisecond };
      this.text = isoWithOffset(wall, this.zone === null ? this.offsetMs : this.zone.offsetAt(this.time));
    }
    return this.text;
  }
}
