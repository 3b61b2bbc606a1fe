import { minuteKey, type LineFilter, type LineParser, type LogFormat, type ParserContext, type ParserStats, type TimeOptions } from '../log-format.js';
import { LogClock, type Stamp } from '../../time/log-clock.js';
import { YearTracker } from '../../time/year-inference.js';
import { TimeFormat, type ParsedTime } from '../../time/strftime.js';
import { digitsAt, indexOfByte, monthAbbrevAt, PrefixWatch, SPACE, TAB } from '../bytes.js';
import { ProsodySessions } from './prosody-sessions.js';
import { absorbRange, RangeRecorder, type ProsodyRangeResult } from './prosody-range.js';
import { mayContinueUnstamped } from './prosody-messages.js';
import { SessionLineFilter } from './prosody-session-filter.js';

const COLON = 0x3a;
// First bytes of what the filter looks for: `mod_bosh`, `Traceback[`, `c2s`/`conn`, `bosh`.
const LOWER_M = 0x6d;
const UPPER_T = 0x54;
const LOWER_C = 0x63;
const LOWER_B = 0x62;

// `Sep 03 09:00:00 ` — Prosody's default `timestamps` format, `%b %d %H:%M:%S`, then a space.
const STAMP_LENGTH = 16;
const DETECT = /^[A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d \S+\t(debug|info|warn|error)\t/;

/**
 * Prosody's file sink (SPEC §4): `Mmm DD HH:MM:SS <source>\t<level>\t<message>`, local time, no
 * year. Lines starting with a TAB continue the previous message (tracebacks) and are skipped, as are
 * the unstamped lines Prosody writes after some messages (`mayContinueUnstamped`).
 */
export const prosodyFileFormat: LogFormat = {
  name: 'prosody',
  description: 'Prosody file sink (`Sep 03 09:00:00 c2s…\\tinfo\\tClient connected`)',
  detect: (sample) => sample.some((line) => DETECT.test(line)),
  createParser: (ctx, time) => new ProsodyFileParser(ctx, time, null),
  lineFilter: () => new ProsodyFileFilter(),
  rangeParser: (label, debugSeenBefore, coverage) => {
    const recorder = new RangeRecorder(label, debugSeenBefore, coverage);
    const parser = new ProsodyFileParser(recorder.context(), { zone: null as never, monthZone: null, referenceMs: null }, null, recorder);
    return { parser, result: () => parser.rangeResult(), assumption: () => recorder.firstDebugLine > 0 };
  },
};

/** The file sink with another `timestamps` format (Prosody's option; strftime, e.g. `%Y-%m-%d %H:%M:%S`). */
export function prosodyFileFormatWith(timeFormat: string): LogFormat {
  const format = TimeFormat.compile(timeFormat);
  return {
    ...prosodyFileFormat,
    description: `Prosody file sink with timestamps ${JSON.stringify(timeFormat)}`,
    createParser: (ctx, time) => new ProsodyFileParser(ctx, time, format),
    lineFilter: undefined, // a worker knows formats by name only: read on the main thread
    rangeParser: undefined,
  };
}

class ProsodyFileParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private readonly sessions: ProsodySessions;
  private readonly clock: LogClock | null;
  private years: YearTracker | null;
  /** Range mode: unstamped lines counted unparsable before the first stamped line, and whether one came. */
  leadingUnstamped = 0;
  stamped = false;
  private lastMonthKey = -1;
  /** 1–12 for `lastMonthKey`. */
  private month = 0;
  private year = 0;
  // The line being handled, for the lazy `stamp` callback (no closure per line).
  private lineBuf: Buffer = Buffer.alloc(0);
  private lineStart = 0;
  private readonly stampLine = (): Stamp => this.stampOf(this.lineBuf, this.lineStart);

  /** The minute last reported to `lineTime` (the hot path calls it once per minute of log). */
  private lastLineKey = -1;

  /** The last stamped line's message may be followed by unstamped lines of Prosody's own. */
  continuing = false;

  /** The parsed timestamp of the current line, with a custom `timestamps` format. */
  private custom: ParsedTime | null = null;

  constructor(
    private readonly ctx: ParserContext,
    private readonly time: TimeOptions,
    private readonly timeFormat: TimeFormat | null,
    /** Range mode (`--jobs`, `prosody-range.ts`): a worker's parser of one byte range. */
    private readonly range: RangeRecorder | null = null,
  ) {
    this.sessions = new ProsodySessions(ctx, this.stats, range);
    if (range !== null) {
      this.sessions.debugSeen = range.debugSeenBefore;
      // Before a log's first debug line (or in a log without any) no connection is pending: assumed, then checked.
      if (!range.debugSeenBefore) this.sessions.assumeNothingPending();
    }
    this.clock = range === null ? new LogClock(time) : null;
    this.years = range === null ? new YearTracker(time.zone, time.referenceMs, time.firstYear, time.onYear) : null;
  }

  nextFile(referenceMs: number | null): void {
    this.continuing = false;
    this.sessions.lineBase = this.stats.lines;
    // With --year the years simply run on; otherwise each piece is dated by its own mtime.
    if (this.time.firstYear === undefined) {
      this.years = new YearTracker(this.time.zone, referenceMs, undefined, this.time.onYear);
      this.lastMonthKey = -1;
    }
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    if (end === start || buf[start] === TAB) return; // blank, or a traceback continuation
    if (this.timeFormat !== null) return this.lineWithCustomTime(buf, start, end, lineNo);
    const shaped = end - start > STAMP_LENGTH && hasStampShape(buf, start);
    // The month name is looked up only when it changes (rarely), not on every line.
    const monthKey = shaped ? (buf[start] << 16) | (buf[start + 1] << 8) | buf[start + 2] : -1;
    const month = !shaped ? 0 : monthKey === this.lastMonthKey ? this.month : monthAbbrevAt(buf, start);
    const tab1 = month === 0 ? -1 : indexOfByte(buf, TAB, start + STAMP_LENGTH, end);
    const tab2 = tab1 < 0 ? -1 : indexOfByte(buf, TAB, tab1 + 1, end);
    if (tab2 < 0) {
      if (!this.continuing || shaped) {
        this.stats.unparsable++;
        if (!shaped && !this.stamped) this.leadingUnstamped++;
      }
      if (shaped) this.continuing = false;
      this.stamped ||= shaped;
      return;
    }
    this.stamped = true;
    const src = start + STAMP_LENGTH;
    const source0 = buf[src];
    // Only a `mod_bosh` source or a `Traceback[` message may continue (most lines fail on a byte here).
    this.continuing = (source0 === LOWER_M || buf[tab2 + 1] === UPPER_T) && mayContinueUnstamped(buf, src, tab1, tab2 + 1, end);
    // Year inference needs every month change, not only the lines that matter.
    if (monthKey !== this.lastMonthKey) {
      const [day, hour, minute, second] = this.dayAndTime(buf, start);
      this.year = this.range !== null ? this.range.monthChange(monthKey, month, day, hour, minute, second) : this.years!.yearOf(month, day, hour, minute, second);
      this.lastMonthKey = monthKey;
      this.month = month;
    }
    const isDebug = tab2 - tab1 === 6 && buf[tab1 + 1] === 0x64; // "debug"
    this.lineBuf = buf;
    this.lineStart = start;
    if (this.ctx.lineTime !== undefined) {
      // `DD HH:MM` → a number, without allocating (the stamp shape was checked; `& 15` maps a padding space to 0).
      const b = buf;
      const s = start;
      const key = minuteKey(this.year, month, (b[s + 4] & 15) * 10 + (b[s + 5] & 15), (b[s + 7] & 15) * 10 + (b[s + 8] & 15), (b[s + 10] & 15) * 10 + (b[s + 11] & 15));
      if (key !== this.lastLineKey) {
        this.lastLineKey = key;
        this.ctx.lineTime(key, this.stampLine);
      }
    }
    this.range?.line(buf, start, end, lineNo, src, tab1, tab2 + 1, isDebug);
    // Sessions act only on `c2s…`, `conn…` and `bosh…` sources; of the others they only note a debug level.
    if (source0 !== LOWER_C && source0 !== LOWER_B) {
      if (isDebug) this.sessions.debugSeen = true;
      return;
    }
    this.sessions.message(buf, src, tab1, isDebug, tab2 + 1, end, lineNo, this.stampLine);
  }

  /** Range mode: what the range found, for the main thread's `absorb`. */
  rangeResult(): ProsodyRangeResult {
    return this.range!.result(this.stats, this, this.sessions);
  }

  /**
   * Stitches a range a worker parsed on its own (`rangeResult`) onto this parser, as if its lines
   * had been read here (`absorbRange`). False, with nothing changed, when that cannot be exact.
   */
  absorb(r: ProsodyRangeResult, rangeLines: number): boolean {
    // What stitching may read and move on of this parser's state, and nothing else.
    const parser = this;
    return absorbRange(
      {
        stats: this.stats,
        sessions: this.sessions,
        ctx: this.ctx,
        clock: this.clock!,
        yearOf: (key, month, day, hour, minute, second) => {
          if (key !== this.lastMonthKey) {
            this.year = this.years!.yearOf(month, day, hour, minute, second);
            this.lastMonthKey = key;
            this.month = month;
          }
          return this.year;
        },
        get lastLineKey() {
          return parser.lastLineKey;
        },
        set lastLineKey(key: number) {
          parser.lastLineKey = key;
        },
        get continuing() {
          return parser.continuing;
        },
        set continuing(value: boolean) {
          parser.continuing = value;
        },
      },
      r,
      rangeLines,
    );
  }

  end(): void {
    this.sessions.end();
  }

  pendingSince(): number | undefined {
    return this.sessions.pendingSince();
  }

  /** The slow path for a non-default `timestamps` format: the timestamp is found by a regex. */
  private lineWithCustomTime(buf: Buffer, start: number, end: number, lineNo: number): void {
    const parsed = this.timeFormat!.parse(buf.toString('latin1', start, Math.min(end, start + 100)));
    const tab1 = parsed === null || buf[start + parsed.length] !== SPACE ? -1 : buf.indexOf(TAB, start + parsed.length + 1);
    const tab2 = tab1 < 0 || tab1 >= end ? -1 : buf.indexOf(TAB, tab1 + 1);
    if (parsed === null || tab2 < 0 || tab2 >= end) {
      if (!this.continuing || parsed !== null) this.stats.unparsable++;
      return;
    }
    this.continuing = mayContinueUnstamped(buf, start + parsed.length + 1, tab1, tab2 + 1, end);
    const t = parsed.time;
    if (t.year === undefined) t.year = this.years!.yearOf(t.month, t.day, t.hour, t.minute, t.second);
    this.custom = t;
    if (this.ctx.lineTime !== undefined) {
      const key = t.epochSeconds !== undefined ? Math.floor(t.epochSeconds / 60) : minuteKey(t.year, t.month, t.day, t.hour, t.minute);
      this.ctx.lineTime(key, this.stampCustom);
    }
    const isDebug = tab2 - tab1 === 6 && buf[tab1 + 1] === 0x64;
    this.sessions.message(buf, start + parsed.length + 1, tab1, isDebug, tab2 + 1, end, lineNo, this.stampCustom);
  }

  private readonly stampCustom = (): Stamp => {
    const t = this.custom!;
    const clock = this.clock!;
    if (t.epochSeconds !== undefined) return clock.stamp(this.time.zone.wallClock(t.epochSeconds * 1000));
    const wall = { ...t, year: t.year! };
    return t.offsetMs !== undefined ? clock.stampWithOffset(wall, t.offsetMs) : clock.stamp(wall);
  };

  private dayAndTime(buf: Buffer, start: number): [number, number, number, number] {
    return [digitsAt(buf, start + 4, 2), digitsAt(buf, start + 7, 2), digitsAt(buf, start + 10, 2), digitsAt(buf, start + 13, 2)];
  }

  private stampOf(buf: Buffer, start: number): Stamp {
    if (this.range !== null) return this.range.stamp(this.year, this.month, digitsAt(buf, start + 4, 2), digitsAt(buf, start + 7, 2), digitsAt(buf, start + 10, 2), digitsAt(buf, start + 13, 2));
    return this.clock!.stampAt(this.year, this.month, digitsAt(buf, start + 4, 2), digitsAt(buf, start + 7, 2), digitsAt(buf, start + 10, 2), digitsAt(buf, start + 13, 2), 0);
  }
}

/**
 * The lines `ProsodyFileParser.line` acts on (see `LineFilter`): unparsable ones, the first of
 * each minute (months for the year, minutes for coverage), the first debug line, and session lines.
 */
class ProsodyFileFilter implements LineFilter {
  private readonly minute = new PrefixWatch(12); // `Mmm DD HH:MM`
  private readonly sessions = new SessionLineFilter();
  private debugSeen = false;
  /**
   * The parser's `continuing` (unstamped lines after some messages are theirs, not unparsable) is
   * reset by the next stamped line: after a message that may continue, that line is kept. A range's
   * first stamped line is kept too: what came before it is not known here.
   */
  private afterContinuing = true;
  /** The month name last seen to be one (looked up only when it changes, as the parser does). */
  private monthKey = -1;

  keep(buf: Buffer, start: number, end: number): boolean {
    if (end === start || buf[start] === TAB) return false;
    if (end - start <= STAMP_LENGTH) return true;
    // The minute of the last well-formed line: its `Mmm DD HH:MM` is known good, check the rest.
    const sameMinute = this.minute.same(buf, start);
    if (sameMinute ? !hasSecondsShape(buf, start) : !hasStampShape(buf, start) || !this.isMonth(buf, start)) return true;
    const src = start + STAMP_LENGTH;
    const tab1 = indexOfByte(buf, TAB, src, end);
    const tab2 = tab1 < 0 ? -1 : indexOfByte(buf, TAB, tab1 + 1, end);
    if (tab2 < 0) return true;
    const msg = tab2 + 1;
    let keep = !sameMinute;
    if (keep) this.minute.remember(buf, start);
    if (!this.debugSeen && tab2 - tab1 === 6 && buf[tab1 + 1] === 0x64) keep = this.debugSeen = true;
    // Nearly every line fails on its first byte here: a source or message that cannot be one of
    // these is not passed to the full comparisons (a call each, on every line of a debug log).
    const source0 = buf[src];
    const continues = (source0 === LOWER_M || (msg < end && buf[msg] === UPPER_T)) && mayContinueUnstamped(buf, src, tab1, msg, end);
    if (continues || this.afterContinuing) keep = true;
    this.afterContinuing = continues;
    // `matters` tracks the pending connection: it must see every c2s/conn/bosh line, kept or not.
    return ((source0 === LOWER_C || source0 === LOWER_B) && this.sessions.matters(buf, src, tab1, msg, end, this.debugSeen)) || keep;
  }

  private isMonth(buf: Buffer, start: number): boolean {
    const key = (buf[start] << 16) | (buf[start + 1] << 8) | buf[start + 2];
    if (key === this.monthKey) return true;
    if (monthAbbrevAt(buf, start) === 0) return false;
    this.monthKey = key;
    return true;
  }
}

/** `:SS ` after a known-good `Mmm DD HH:MM`. */
function hasSecondsShape(buf: Buffer, p: number): boolean {
  return buf[p + 12] === COLON && isDigit(buf[p + 13]) && isDigit(buf[p + 14]) && buf[p + 15] === SPACE;
}

/** `Mmm DD HH:MM:SS ` with digits where digits belong (the day may be space-padded). */
function hasStampShape(buf: Buffer, p: number): boolean {
  return (
    buf[p + 3] === SPACE && buf[p + 6] === SPACE && buf[p + 9] === COLON && buf[p + 12] === COLON && buf[p + 15] === SPACE &&
    (isDigit(buf[p + 4]) || buf[p + 4] === SPACE) && isDigit(buf[p + 5]) &&
    isDigit(buf[p + 7]) && isDigit(buf[p + 8]) && isDigit(buf[p + 10]) && isDigit(buf[p + 11]) &&
    isDigit(buf[p + 13]) && isDigit(buf[p + 14])
  );
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
