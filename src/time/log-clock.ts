import type { TimeOptions } from '../sources/log-format.js';
import { isoWithOffset, monthOf, type WallClock } from './zone.js';

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
    const { zone, monthZone } = this.options;
    const time = zone.toEpoch(w);
    let month: string;
    if (monthZone === null) {
      month = monthOf(w.year, w.month);
    } else {
      const m = monthZone.wallClock(time);
      month = monthOf(m.year, m.month);
    }
    return { time, month, localTime: isoWithOffset(w, zone.offsetAt(time)) };
  }

  /** For formats that log an instant with its offset (ejabberd): months on the log's wall clock. */
  stampWithOffset(w: WallClock, offsetMs: number): Stamp {
    const time = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - offsetMs;
    const { monthZone } = this.options;
    let month = monthOf(w.year, w.month);
    if (monthZone !== null) {
      const m = monthZone.wallClock(time);
      month = monthOf(m.year, m.month);
    }
    return { time, month, localTime: isoWithOffset(w, offsetMs) };
  }
}
