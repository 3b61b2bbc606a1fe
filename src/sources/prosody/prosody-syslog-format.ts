import type { LineFilter, LineParser, LogFormat, ParserContext, ParserStats, TimeOptions } from '../log-format.js';
import { LogClock, type Stamp } from '../../time/log-clock.js';
import { YearTracker } from '../../time/year-inference.js';
import { ascii, digitsAt, monthAbbrevAt, startsWithAt } from '../bytes.js';
import { ProsodySessions } from './prosody-sessions.js';
import { sessionLineMatters } from './prosody-session-filter.js';

const TAG = ascii(' prosody[');
const TAG_END = ascii(']: ');
const COLON_SPACE = ascii(': ');
// Syslog carries no level in the line; these c2s messages are logged only at debug level.
const DEBUG_ONLY = ['Resource bound: ', 'Sending[', 'Received[', 'Client sent opening', 'Sent reply'].map(ascii);
// `log = "*stdout"` under systemd: `c2s557f900dce50     info\tClient connected` (source padded to 20).
const STDOUT_SINK = /^(\S+) +(debug|info|warn|error)$/;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d) /;
const TRADITIONAL = /^[A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d /;
const DETECT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)|[A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d) \S+ (\S+ )?prosody\[\d+\]: /;

/**
 * Prosody through syslog or journald (SPEC §4): `<time> <host> prosody[<pid>]: <source>: <message>`
 * as rsyslog writes it (RFC 3339 or traditional timestamps) and `journalctl -o short-iso` shows it,
 * or `<source>   <level>\t<message>` for `log = "*stdout"` under systemd. Lines of other programs in
 * a shared syslog file are passed over. The level is not in the line, so debug-only messages say
 * whether the log has debug lines.
 */
export const prosodySyslogFormat: LogFormat = {
  name: 'prosody-syslog',
  description: 'Prosody via syslog/journald (`2026-11-25T11:33:00.804132+00:00 vm prosody[6388]: c2s…: Client connected`)',
  detect: (sample) => sample.some((line) => DETECT.test(line)),
  createParser: (ctx, time) => new ProsodySyslogParser(ctx, time),
  lineFilter: () => new ProsodySyslogFilter(),
};

/**
 * A line's framing, found without state: `other` (blank, or another program's line), `unparsable`,
 * `stamped` (Prosody's, with a timestamp to check, but no session message) or `message`. Every
 * search stays within the line: what follows it differs between reads. One object, reused.
 */
interface Frame {
  kind: 'other' | 'unparsable' | 'stamped' | 'message';
  /** The text before ` prosody[`: the timestamp and host. */
  head: string;
  srcStart: number;
  srcEnd: number;
  msgStart: number;
  isDebug: boolean;
}

function newFrame(): Frame {
  return { kind: 'other', head: '', srcStart: 0, srcEnd: 0, msgStart: 0, isDebug: false };
}

/** First `needle` in `buf[from, end)`, or -1. */
function indexWithin(buf: Buffer, needle: Uint8Array | number, from: number, end: number): number {
  const at = buf.indexOf(needle, from);
  const length = typeof needle === 'number' ? 1 : needle.length;
  return at < 0 || at + length > end ? -1 : at;
}

function frameLine(buf: Buffer, start: number, end: number, f: Frame): Frame {
  f.kind = 'other';
  if (end === start) return f;
  const tag = indexWithin(buf, TAG, start, end);
  if (tag < 0) {
    const head = buf.toString('latin1', start, Math.min(end, start + 40));
    if (!RFC3339.test(head) && !TRADITIONAL.test(head)) f.kind = 'unparsable';
    return f;
  }
  const tagEnd = indexWithin(buf, TAG_END, tag, end);
  if (tagEnd < 0) {
    f.kind = 'unparsable';
    return f;
  }
  f.head = buf.toString('latin1', start, tag);
  f.kind = 'stamped';
  const srcStart = tagEnd + TAG_END.length;
  let srcEnd = indexWithin(buf, COLON_SPACE, srcStart, end);
  const tab = indexWithin(buf, 0x09, srcStart, end);
  if (tab >= 0 && (srcEnd < 0 || srcEnd > tab)) {
    const head = STDOUT_SINK.exec(buf.toString('latin1', srcStart, tab));
    if (!head) return f;
    srcEnd = srcStart + head[1].length;
    f.msgStart = tab + 1;
    f.isDebug = head[2] === 'debug';
  } else {
    if (srcEnd < 0) return f; // a message without a source: not from a session
    f.msgStart = srcEnd + COLON_SPACE.length;
    f.isDebug = DEBUG_ONLY.some((p) => startsWithAt(buf, f.msgStart, end, p));
  }
  f.kind = 'message';
  f.srcStart = srcStart;
  f.srcEnd = srcEnd;
  return f;
}

/** Whether a Prosody line's timestamp is one the parser reads (else it is unparsable). */
function stampReadable(head: string): boolean {
  return RFC3339.test(head) || TRADITIONAL.test(head);
}

/**
 * The lines `ProsodySyslogParser.line` acts on (see `LineFilter`): unparsable ones, the first of
 * each timestamp key (months for the year, minutes for coverage), the first debug-only message,
 * and session lines.
 */
class ProsodySyslogFilter implements LineFilter {
  private lastKey: string | null = null;
  private debugSeen = false;
  private readonly frame = newFrame();

  keep(buf: Buffer, start: number, end: number): boolean {
    const f = frameLine(buf, start, end, this.frame);
    if (f.kind === 'other') return false;
    if (f.kind === 'unparsable' || !stampReadable(f.head)) return true;
    const key = f.head.slice(0, 16);
    let keep = key !== this.lastKey;
    this.lastKey = key;
    if (f.kind !== 'message') return keep;
    if (f.isDebug && !this.debugSeen) keep = this.debugSeen = true;
    return sessionLineMatters(buf, f.srcStart, f.srcEnd, f.msgStart, end, this.debugSeen) || keep;
  }
}

class ProsodySyslogParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private readonly sessions: ProsodySessions;
  private readonly clock: LogClock;
  private years: YearTracker;
  private lineText = '';
  private readonly stampLine = (): Stamp => this.stampOf(this.lineText);

  constructor(
    private readonly ctx: ParserContext,
    private readonly time: TimeOptions,
  ) {
    this.sessions = new ProsodySessions(ctx, this.stats);
    this.clock = new LogClock(time);
    this.years = new YearTracker(time.zone, time.referenceMs, time.firstYear, time.onYear);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    const f = frameLine(buf, start, end, this.frame);
    if (f.kind === 'other') return; // blank, or another program's line in a shared syslog file
    if (f.kind === 'unparsable') {
      this.stats.unparsable++;
      return;
    }
    this.lineText = f.head;
    // The year of traditional timestamps is inferred from every line, in order.
    const stampOk = this.trackYear();
    if (!stampOk) {
      this.stats.unparsable++;
      return;
    }
    // RFC 3339 up to the minute, or the traditional stamp up to the second: cheap enough as a key.
    this.ctx.lineTime?.(this.lineText.slice(0, 16), this.stampLine);
    if (f.kind === 'message') this.sessions.message(buf, f.srcStart, f.srcEnd, f.isDebug, f.msgStart, end, lineNo, this.stampLine);
  }

  private readonly frame = newFrame();

  nextFile(referenceMs: number | null): void {
    if (this.time.firstYear === undefined) this.years = new YearTracker(this.time.zone, referenceMs, undefined, this.time.onYear);
  }

  end(): void {
    this.sessions.end();
  }

  pendingSince(): number | undefined {
    return this.sessions.pendingSince();
  }

  private year = 0;

  /** For traditional (year-less) timestamps, follow the year; false when there is no timestamp. */
  private trackYear(): boolean {
    if (!stampReadable(this.lineText)) return false;
    if (RFC3339.test(this.lineText)) return true;
    const b = Buffer.from(this.lineText, 'latin1');
    this.year = this.years.yearOf(monthAbbrevAt(b, 0), digitsAt(b, 4, 2), digitsAt(b, 7, 2), digitsAt(b, 10, 2), digitsAt(b, 13, 2));
    return true;
  }

  private stampOf(text: string): Stamp {
    const b = Buffer.from(text, 'latin1');
    if (TRADITIONAL.test(text)) {
      return this.clock.stamp({
        year: this.year,
        month: monthAbbrevAt(b, 0),
        day: digitsAt(b, 4, 2),
        hour: digitsAt(b, 7, 2),
        minute: digitsAt(b, 10, 2),
        second: digitsAt(b, 13, 2),
        millisecond: 0,
      });
    }
    const m = RFC3339.exec(text)!;
    const fraction = m[1] ? Number(`0${m[1]}`) : 0;
    const zone = m[2];
    const offsetMs = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) * 60_000;
    return this.clock.stampWithOffset(
      {
        year: digitsAt(b, 0, 4),
        month: digitsAt(b, 5, 2),
        day: digitsAt(b, 8, 2),
        hour: digitsAt(b, 11, 2),
        minute: digitsAt(b, 14, 2),
        second: digitsAt(b, 17, 2),
        millisecond: Math.floor(fraction * 1000),
      },
      offsetMs,
    );
  }
}
