import { minuteKey, type LineFilter, type LineParser, type LogFormat, type ParserContext, type ParserStats, type TimeOptions } from '../log-format.js';
import { LogClock, type Stamp } from '../../time/log-clock.js';
import { ascii, digitsAt, indexOfByte, indexOfPair, lastIndexOfBytes, PrefixWatch, startsWithAt } from '../bytes.js';
import { nameAt, resourceAt } from '../jid-bytes.js';
import { pidKey, SessionTable } from '../session-table.js';
import { ParsedLogin } from '../parsed-login.js';

/** Sessions that connected but have not opened yet; more than this and the oldest are dropped. */
export const MAX_OPEN_SESSIONS = 100_000;

// `2026-11-25 12:24:14.322405+00:00 [info] ` — ejabberd 21+ (logger), always with its UTC offset.
const STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d \[[a-z]+\] /;
/** Shorter lines are not read as stamped (a timestamp, its level and a message need more). */
const MIN_STAMPED = 34;
const INFO = ascii('[info] ');
const ACCEPTED_CONNECTION = ascii('Accepted connection ');
const ACCEPTED_AUTH = ascii('Accepted c2s ');
const OPENED_SESSION = ascii('Opened c2s session for ');
const CLOSING_SESSION = ascii('Closing c2s session for ');
const AT_LISTENER = ascii('@ejabberd_listener:');
const AT_C2S = ascii('@ejabberd_c2s:');
const HIDDEN = 'hidden_by_ejabberd';
const SESSION_MESSAGES = [ACCEPTED_CONNECTION, ACCEPTED_AUTH, OPENED_SESSION, CLOSING_SESSION];
const FROM = ascii(' from ');

/**
 * ejabberd 21–24 (SPEC §4): `<time with offset> [level] <pid>@mod:fun/arity:line (tcp|<pid>) msg`.
 * Joined by the session's pid: the listener's `Accepted connection <peer> -> …` names the new
 * session pid in parentheses, `Accepted c2s … authentication … from <ip>` gives the address the
 * server believed, and `Opened c2s session for user@host/resource` is the login. Every line that
 * matters is at info level, so debug traces (multi-line Erlang terms, XML) are rejected by a byte
 * compare of the level, and their continuation lines never start with a timestamp.
 */
export const ejabberdFormat: LogFormat = {
  name: 'ejabberd',
  description: 'ejabberd 21+ log (`2026-09-03 09:00:00.123456+00:00 [info] <0.515.0>@ejabberd_c2s:… msg`)',
  detect: (sample) => sample.some((line) => STAMP.test(line)),
  createParser: (ctx, time) => new EjabberdParser(ctx, time),
  lineFilter: () => new EjabberdFilter(),
};

/**
 * The lines `EjabberdParser.line` acts on (see `LineFilter`): the first of each minute, each change
 * between info and other levels (it decides whether a continuation line is unparsable), lines
 * without a timestamp that the parser may count as unparsable, and the four session messages.
 */
class EjabberdFilter implements LineFilter {
  private readonly minute = new PrefixWatch(16); // `2026-11-25 12:24`
  /** Level of the last stamped line of the range; null before the first. */
  private lastWasInfo: boolean | null = null;

  keep(buf: Buffer, start: number, end: number): boolean {
    if (end === start) return false;
    const sameMinute = end - start >= MIN_STAMPED && this.minute.same(buf, start);
    const level = stampEnd(buf, start, end, sameMinute);
    if (level < 0) return buf[start] !== 0x20 && buf[start] !== 0x09 && this.lastWasInfo !== false;
    let keep = !sameMinute;
    if (keep) this.minute.remember(buf, start);
    const info = startsWithAt(buf, level, end, INFO);
    if (info !== this.lastWasInfo) keep = true;
    this.lastWasInfo = info;
    if (!info || keep) return keep;
    const close = indexOfPair(buf, 0x29, 0x20, level + INFO.length, end);
    if (close < 0) return false;
    const msg = close + 2;
    for (const m of SESSION_MESSAGES) if (startsWithAt(buf, msg, end, m)) return true;
    return false;
  }
}

class EjabberdParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  /** pid → peer address of a session that has not opened yet. */
  private readonly open = new SessionTable<string | null>(MAX_OPEN_SESSIONS);
  private readonly clock: LogClock;
  private lastWasInfo = true;
  /** The minute (`2026-11-25 12:24`) of the last line with a valid timestamp. */
  private readonly minute = new PrefixWatch(16);
  // The line being handled, for the lazy `stamp` callback of `lineTime` (no closure per line).
  private lineBuf: Buffer = Buffer.alloc(0);
  private lineStart = 0;
  private readonly stampLine = (): Stamp => this.stamp(this.lineBuf, this.lineStart);

  constructor(
    private readonly ctx: ParserContext,
    time: TimeOptions,
  ) {
    this.clock = new LogClock(time);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    if (end === start) return;
    // A line in the minute of the last valid one: its minute is valid and already reported.
    const sameMinute = end - start >= MIN_STAMPED && this.minute.same(buf, start);
    const level = stampEnd(buf, start, end, sameMinute);
    if (level < 0) {
      // Multi-line messages (Erlang terms, routing traces) continue on lines of any shape; after an
      // info line, which is always one line, anything but indentation is not ejabberd's.
      const c = buf[start];
      if (this.lastWasInfo && c !== 0x20 && c !== 0x09) this.stats.unparsable++;
      return;
    }
    if (!sameMinute) this.minute.remember(buf, start);
    if (!sameMinute && this.ctx.lineTime !== undefined) {
      const key = minuteKey(digitsAt(buf, start, 4), digitsAt(buf, start + 5, 2), digitsAt(buf, start + 8, 2), digitsAt(buf, start + 11, 2), digitsAt(buf, start + 14, 2));
      this.lineBuf = buf;
      this.lineStart = start;
      this.ctx.lineTime(key, this.stampLine);
    }
    this.lastWasInfo = startsWithAt(buf, level, end, INFO);
    if (!this.lastWasInfo) return;
    const pidStart = level + INFO.length;
    const close = indexOfPair(buf, 0x29, 0x20, pidStart, end); // `) ` after the pid and location
    if (close < 0) return;
    const msg = close + 2;
    // Each message must come from the code that logs it: a login name with a newline in a
    // `Failed … authentication` warning can forge a line, but never with this location in it
    // (ejabberd cuts the name at its first `@`).
    const at = locationAt(buf, pidStart, msg);
    if (at < 0) return;
    if (startsWithAt(buf, msg, end, ACCEPTED_CONNECTION)) {
      if (startsWithAt(buf, at, msg, AT_LISTENER)) this.accepted(buf, pidStart, msg, end);
    } else if (startsWithAt(buf, msg, end, ACCEPTED_AUTH)) {
      if (startsWithAt(buf, at, msg, AT_C2S)) this.authenticated(buf, pidStart, at, msg, end);
    } else if (startsWithAt(buf, msg, end, OPENED_SESSION)) {
      if (startsWithAt(buf, at, msg, AT_C2S)) this.opened(buf, start, pidStart, at, msg, end, lineNo);
    } else if (startsWithAt(buf, msg, end, CLOSING_SESSION)) {
      if (startsWithAt(buf, at, msg, AT_C2S)) this.open.delete(pidKey(buf, pidStart, at));
    }
  }

  nextFile(): void {
    // ejabberd's timestamps are complete: nothing to re-infer.
  }

  end(): void {
    this.open.clear();
  }

  pendingSince(): number | undefined {
    return this.open.oldestSince();
  }

  private position(): number {
    return this.ctx.position?.() ?? 0;
  }

  /** `(<0.515.0>) Accepted connection 127.0.1.10:44197 -> 127.0.0.1:5222`: the session pid is in parentheses. */
  private accepted(buf: Buffer, pidStart: number, msg: number, end: number): void {
    const paren = indexOfByte(buf, 0x28, pidStart, msg); // (
    if (paren < 0) return;
    const pid = pidKey(buf, paren + 1, msg - 2);
    const text = buf.toString('latin1', msg + ACCEPTED_CONNECTION.length, end);
    const arrow = text.indexOf(' -> ');
    const peer = stripPort(arrow < 0 ? text : text.slice(0, arrow));
    this.open.open(pid, peer, this.position());
  }

  /** `Accepted c2s PLAIN authentication for alice@example.com by mnesia backend from 127.0.1.10`. */
  private authenticated(buf: Buffer, pidStart: number, pidEnd: number, msg: number, end: number): void {
    const from = lastIndexOfBytes(buf, FROM, msg, end);
    if (from < 0) return;
    // Decoded from after ` from ` (ASCII: the text decodes as it would within the message's).
    const address = buf.toString('utf8', from + FROM.length, end).trim();
    this.open.update(pidKey(buf, pidStart, pidEnd), addressOrNull(address), this.position());
  }

  /** `Opened c2s session for Bob.Smith@Chat.Example.ORG/Zom-Büro Telefon`: the login. */
  private opened(buf: Buffer, start: number, pidStart: number, pidEnd: number, msg: number, end: number, lineNo: number): void {
    const pid = pidKey(buf, pidStart, pidEnd);
    const ip = this.open.get(pid) ?? null;
    this.open.delete(pid);
    // The JID's parts straight from its bytes (`jid-bytes.ts`).
    const jid = msg + OPENED_SESSION.length;
    const at = indexOfByte(buf, 0x40, jid, end); // @
    const slash = indexOfByte(buf, 0x2f, at < 0 ? jid : at + 1, end); // /
    // Normalising can leave nothing (`\u00ad@\ufeff`): no name, no login, and never an empty file name.
    const user = at > jid ? nameAt(buf, jid, at) : '';
    const host = at > jid && slash > at + 1 ? nameAt(buf, at + 1, slash) : '';
    if (user === '' || host === '') {
      this.stats.unparsable++;
      return;
    }
    const stamp = this.stamp(buf, start);
    this.ctx.emit(new ParsedLogin(stamp, host, user, ip, resourceAt(buf, slash + 1, end), this.ctx.label, lineNo));
  }

  private stamp(buf: Buffer, p: number) {
    // 2026-11-25 12:24:14.322405+00:00: fraction of any length, then ±HH:MM.
    let q = p + 20;
    let fraction = 0;
    let scale = 1;
    while (buf[q] >= 0x30 && buf[q] <= 0x39) {
      if (scale < 1000) {
        fraction = fraction * 10 + (buf[q] - 0x30);
        scale *= 10;
      }
      q++;
    }
    const sign = buf[q] === 0x2d ? -1 : 1;
    const offsetMs = sign * (digitsAt(buf, q + 1, 2) * 60 + digitsAt(buf, q + 4, 2)) * 60_000;
    return this.clock.stampWithOffset(
      {
        year: digitsAt(buf, p, 4),
        month: digitsAt(buf, p + 5, 2),
        day: digitsAt(buf, p + 8, 2),
        hour: digitsAt(buf, p + 11, 2),
        minute: digitsAt(buf, p + 14, 2),
        second: digitsAt(buf, p + 17, 2),
        millisecond: Math.floor((fraction * 1000) / scale),
      },
      offsetMs,
    );
  }
}

/**
 * Position of the level (`[info] …`) after a valid timestamp, or -1. Checked byte by byte: this
 * runs for every line. `minuteValid`: its first 16 bytes (`2026-11-25 12:24`) are those of a line
 * found valid (a parser's `PrefixWatch`), so only the rest is checked.
 */
function stampEnd(buf: Buffer, p: number, end: number, minuteValid: boolean): number {
  if (end - p < MIN_STAMPED) return -1;
  if (!minuteValid && !isValidMinute(buf, p)) return -1;
  if (buf[p + 16] !== 0x3a || buf[p + 19] !== 0x2e || !inRange(buf, p + 17, 2, 0, 60)) return -1;
  let q = p + 20;
  while (q < end && isDigit(buf[q])) q++;
  const sign = buf[q];
  // Only the line's own bytes: what follows its end differs between reads (a newline, another line, nothing).
  if (q + 7 >= end) return -1;
  if ((sign !== 0x2b && sign !== 0x2d) || buf[q + 3] !== 0x3a || buf[q + 6] !== 0x20 || buf[q + 7] !== 0x5b) return -1;
  if (q === p + 20 || !inRange(buf, q + 1, 2, 0, 23) || !inRange(buf, q + 4, 2, 0, 59)) return -1;
  return q + 7;
}

/** `2026-11-25 12:24` with every field a real date and time: a forged or damaged stamp must not become a month like `2026-13`. */
function isValidMinute(buf: Buffer, p: number): boolean {
  if (buf[p + 4] !== 0x2d || buf[p + 7] !== 0x2d || buf[p + 10] !== 0x20 || buf[p + 13] !== 0x3a) return false;
  if (!inRange(buf, p, 4, 0, 9999) || !inRange(buf, p + 5, 2, 1, 12) || !inRange(buf, p + 8, 2, 1, 31)) return false;
  return inRange(buf, p + 11, 2, 0, 23) && inRange(buf, p + 14, 2, 0, 59);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** `count` decimal digits at `pos` (no padding) whose value is within [min, max]. */
function inRange(buf: Buffer, pos: number, count: number, min: number, max: number): boolean {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const c = buf[pos + i];
    if (!isDigit(c)) return false;
    value = value * 10 + (c - 0x30);
  }
  return value >= min && value <= max;
}

/** Where `@module:` follows the logging pid (`<0.515.0>@ejabberd_c2s:…`), or -1 for a line without one. */
function locationAt(buf: Buffer, pidStart: number, msg: number): number {
  let q = pidStart;
  while (q < msg && buf[q] !== 0x40 && buf[q] !== 0x20) q++;
  return q < msg && buf[q] === 0x40 ? q : -1;
}


/** `127.0.1.10:44197` → `127.0.1.10`; `[::1]:53549` → `::1`; `[::ffff:127.0.4.4]:44969` → `::ffff:127.0.4.4`. */
function stripPort(peer: string): string | null {
  const p = peer.trim();
  if (p.startsWith('[')) return addressOrNull(p.slice(1, p.indexOf(']') < 0 ? undefined : p.indexOf(']')));
  const colon = p.lastIndexOf(':');
  return addressOrNull(colon > 0 && p.indexOf(':') === colon ? p.slice(0, colon) : p);
}

/** `hide_sensitive_log_data: true` logs `hidden_by_ejabberd`: no address, so `geo-?-?-?`. */
function addressOrNull(text: string): string | null {
  return text === '' || text === HIDDEN ? null : text;
}
