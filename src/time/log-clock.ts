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
  constructor(private readonly options: TimeOptions) {}

  stamp(w: WallClock): Stamp {
    const { zone } = this.options;
    const time = zone.toEpoch(w);
    return new ClockStamp(time, this.monthOf(time, w), w, zone, 0);
  }

  /** For formats that log an instant with its offset (ejabberd): months on the log's wall clock. */
  stampWithOffset(w: WallClock, offsetMs: number): Stamp {
    const time = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - offsetMs;
    return new ClockStamp(time, this.monthOf(time, w), w, null, offsetMs);
  }

  /** The month `time` counts in: the log's wall-clock month, or the month on `monthZone`'s clock. */
  private monthOf(time: number, w: WallClock): string {
    const { monthZone } = this.options;
    if (monthZone === null) return monthOf(w.year, w.month);
    const m = monthZone.wallClock(time);
    return monthOf(m.year, m.month);
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
