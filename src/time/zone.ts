import { ConfigError } from '../errors.js';

/** Local wall-clock fields as a log writes them (month 1-12). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const QUARTER_HOUR = 15 * 60 * 1000;

function formatterFor(name: string): Intl.DateTimeFormat | null {
  return isUtc(name)
    ? null
    : new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
}

/**
 * An IANA time zone: converts a log's wall-clock time to an instant and back. Built on Intl (the
 * zone database Node ships), with offsets cached per quarter hour, since zones change offset only
 * on such boundaries and logs ask about the same few hours millions of times.
 */
export class TimeZone {
  private formatter: Intl.DateTimeFormat | null | undefined;
  private zoneName: string | undefined;
  private readonly offsetCache = new Map<number, number>();

  /** `name` undefined: this machine's zone, looked up when first needed (ICU costs ~50 ms to start). */
  private constructor(name: string | undefined) {
    this.zoneName = name;
    if (name !== undefined) this.formatter = formatterFor(name); // throws for an unknown zone
  }

  /** `name` is an IANA zone (`Europe/Berlin`, `UTC`); undefined means this machine's zone. */
  static of(name: string | undefined, what = '--timezone'): TimeZone {
    try {
      return new TimeZone(name);
    } catch {
      throw new ConfigError(`${what} ${JSON.stringify(name)}: not a known IANA time zone (e.g. Europe/Berlin, UTC)`);
    }
  }

  get name(): string {
    this.zoneName ??= Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
    return this.zoneName;
  }

  private get format(): Intl.DateTimeFormat | null {
    if (this.formatter === undefined) this.formatter = formatterFor(this.name);
    return this.formatter;
  }

  /** Offset from UTC in milliseconds at the given instant. */
  offsetAt(epochMs: number): number {
    if (this.format === null) return 0;
    const bucket = Math.floor(epochMs / QUARTER_HOUR);
    let offset = this.offsetCache.get(bucket);
    if (offset === undefined) {
      offset = this.computeOffset(bucket * QUARTER_HOUR);
      if (this.offsetCache.size > 100_000) this.offsetCache.clear();
      this.offsetCache.set(bucket, offset);
    }
    return offset;
  }

  /**
   * The instant a wall-clock time in this zone denotes. A repeated DST hour maps to one of its
   * two instants, a skipped one to a nearby instant: logs keep their own order, so this only has
   * to be close and never throw (SPEC §5).
   */
  toEpoch(w: WallClock): number {
    return this.epochOfWall(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond));
  }

  /** `toEpoch` of the wall-clock time whose fields, read as UTC, are the instant `asUtc`. */
  epochOfWall(asUtc: number): number {
    const first = this.offsetAt(asUtc);
    const guess = asUtc - first;
    const second = this.offsetAt(guess);
    return second === first ? guess : asUtc - Math.max(first, second);
  }

  /** Wall-clock fields of an instant in this zone. */
  wallClock(epochMs: number): WallClock {
    const d = new Date(epochMs + this.offsetAt(epochMs));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millisecond: d.getUTCMilliseconds(),
    };
  }

  private computeOffset(epochMs: number): number {
    const parts = this.format!.formatToParts(new Date(epochMs));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return asUtc - (epochMs - (epochMs % 1000));
  }
}

function isUtc(name: string): boolean {
  return name === 'UTC' || name === 'Etc/UTC' || name === 'GMT' || name === 'Etc/GMT' || name === 'Z';
}

/** `YYYY-MM` of wall-clock fields. */
export function monthOf(year: number, month: number): string {
  return `${year}-${month < 10 ? '0' : ''}${month}`;
}

/** ISO 8601 local time with its offset: `2026-09-03T09:00:00+02:00` (milliseconds only when set). */
export function isoWithOffset(w: WallClock, offsetMs: number): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ms = w.millisecond ? `.${String(w.millisecond).padStart(3, '0')}` : '';
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(offsetMs / 60000));
  return (
    `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}${ms}` +
    `${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`
  );
}
