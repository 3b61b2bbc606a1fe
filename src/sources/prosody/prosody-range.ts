import type { LoginEvent } from '../../core/login-event.js';
import type { Stamp } from '../../time/log-clock.js';
import type { ParserContext } from '../log-format.js';
import { ParsedLogin, type Transport } from '../parsed-login.js';
import type { SessionKey } from '../session-table.js';
import type { ParserStats } from '../log-format.js';
import type { LogClock } from '../../time/log-clock.js';
import { digitsAt } from '../bytes.js';
import { minuteKey } from '../log-format.js';
import { MAX_OPEN_SESSIONS, type OpenSessionState, type PendingPeerState, type ProsodySessions, type RangeHooks } from './prosody-sessions.js';

/**
 * `--jobs` for Prosody's file sink: a worker parses one byte range of the log on its own, with the
 * file parser itself in *range mode*, and hands back what the main thread needs to stitch it to
 * the ranges before — so the parse of a large log runs on every core and no line is read twice.
 *
 * What a range cannot know is kept apart rather than guessed: its years (each month change is a
 * segment; the main thread runs the log's one year tracker over them), the lines of sessions it
 * did not see open (orphans, applied by the main thread to the state the ranges before left), the
 * peer pending from before its first `New connection`, whether the lines before it continue a
 * message, and whether a debug line came before it (assumed; when wrong, the main thread re-reads
 * the range itself). Logins carry their wall clock and segment; the main thread stamps them.
 */

/** A stamp of range mode: the wall clock and the month segment whose year the main thread decides. */
export class RangeStamp implements Stamp {
  readonly time = NaN;
  readonly month = '';
  readonly localTime = '';
  constructor(
    readonly segment: number,
    readonly monthNumber: number,
    readonly day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
  ) {}
}

/** `[segment, day, hour, minute, second]` of a `RangeStamp` (the month is the segment's). */
export type StampTuple = readonly [number, number, number, number, number];

export interface RangeSession extends Omit<OpenSessionState, 'authStamp'> {
  readonly authStamp: StampTuple | null;
}

const TRANSPORTS: readonly Transport[] = ['c2s', 'bosh', 'websocket'];

/** What a worker found in one range, as it crosses to the main thread (plain data and typed arrays). */
export interface ProsodyRangeResult {
  /** The assumption the range was parsed under: a debug line came before it. */
  readonly debugSeenBefore: boolean;
  readonly lines: number;
  readonly unparsable: number;
  /** Of those, unstamped lines before the range's first stamped one: not unparsable if they continue a message from before. */
  readonly leadingUnstamped: number;
  /** Whether any line set `continuing`, and its value at the range's end. */
  readonly stamped: boolean;
  readonly continuing: boolean;
  /** The range's first debug line (1-based), or 0. */
  readonly firstDebugLine: number;
  readonly infoLevelNoticed: boolean;
  /** Per month segment: month key, month, day, hour, minute, second of its first line. */
  readonly months: number[];
  /** Per new minute (lineTime): segment, day, hour, minute, second. */
  readonly minutes: number[];
  /** Per login: the line that emitted it, its line, then its stamp's segment, day, hour, minute, second, then transport + 4 × proxy-only. */
  readonly loginNumbers: Float64Array;
  readonly loginText: (string | null)[];
  /** Orphan lines back to back; per orphan: line, end in `orphanBytes`, source start, source end, message start (offsets in the line), debug, segment. */
  readonly orphanBytes: Uint8Array;
  readonly orphanMeta: Int32Array;
  /** Sessions the range opened (any fate), and the line of each opening. */
  readonly openedIds: SessionKey[];
  readonly openedLines: number[];
  readonly sessions: RangeSession[];
  /** The pending peer at the range's end, when a `New connection` in the range made it known. */
  readonly pending: PendingPeerState | null;
  readonly notices: [string, string][];
}

const LOGIN_NUMBERS = 8;
const LOGIN_TEXT = 4;
const ORPHAN_META = 7;

/** The worker's side: hooks for the parser in range mode, and the result they add up to. */
export class RangeRecorder implements RangeHooks {
  private readonly months: number[] = [];
  private readonly minutes: number[] = [];
  private readonly logins: LoginEvent[] = [];
  private readonly emitLines: number[] = [];
  private orphanBytes = new Uint8Array(1 << 16);
  private orphanUsed = 0;
  private readonly orphanMeta: number[] = [];
  private readonly openedIds: SessionKey[] = [];
  private readonly openedLines: number[] = [];
  private readonly notices: [string, string][] = [];
  firstDebugLine = 0;
  // The line being parsed (set by the parser before its session handling).
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private srcStart = 0;
  private srcEnd = 0;
  private msgStart = 0;
  private isDebug = false;
  private lineNo = 0;
  private segment = -1;

  constructor(
    readonly label: string,
    readonly debugSeenBefore: boolean,
    readonly coverage: boolean,
  ) {}

  /** The context the range's parser reports to. */
  context(): ParserContext {
    return {
      label: this.label,
      emit: (event) => {
        this.logins.push(event);
        this.emitLines.push(this.lineNo);
      },
      notice: (key, message) => this.notices.push([key, message]),
      lineTime: this.coverage
        ? (_key, stamp) => {
            const s = stamp() as RangeStamp;
            this.minutes.push(s.segment, s.day, s.hour, s.minute, s.second);
          }
        : undefined,
    };
  }

  /** A month change (the parser's `yearOf`): a new segment, whose number stands for its year. */
  monthChange(monthKey: number, month: number, day: number, hour: number, minute: number, second: number): number {
    this.months.push(monthKey, month, day, hour, minute, second);
    return ++this.segment;
  }

  stamp(segment: number, month: number, day: number, hour: number, minute: number, second: number): RangeStamp {
    return new RangeStamp(segment, month, day, hour, minute, second);
  }

  /** The parser is about to hand this line's message to its sessions. */
  line(buf: Buffer, start: number, end: number, lineNo: number, srcStart: number, srcEnd: number, msgStart: number, isDebug: boolean): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.lineNo = lineNo;
    this.srcStart = srcStart;
    this.srcEnd = srcEnd;
    this.msgStart = msgStart;
    this.isDebug = isDebug;
    if (isDebug && this.firstDebugLine === 0) this.firstDebugLine = lineNo;
  }

  orphan(): void {
    const length = this.end - this.start;
    if (this.orphanUsed + length > this.orphanBytes.length) {
      const bigger = new Uint8Array(Math.max(this.orphanBytes.length * 2, this.orphanUsed + length));
      bigger.set(this.orphanBytes.subarray(0, this.orphanUsed));
      this.orphanBytes = bigger;
    }
    this.orphanBytes.set(this.buf.subarray(this.start, this.end), this.orphanUsed);
    this.orphanUsed += length;
    this.orphanMeta.push(this.lineNo, this.orphanUsed, this.srcStart - this.start, this.srcEnd - this.start, this.msgStart - this.start, this.isDebug ? 1 : 0, this.segment);
  }

  opened(id: SessionKey, lineNo: number): void {
    this.openedIds.push(id);
    this.openedLines.push(lineNo);
  }

  result(
    stats: { lines: number; unparsable: number },
    parser: { leadingUnstamped: number; stamped: boolean; continuing: boolean },
    sessions: { infoLevelNoticed: boolean; knowsPending: boolean; openSessions(): OpenSessionState[]; pendingPeerState(): PendingPeerState },
  ): ProsodyRangeResult {
    const n = this.logins.length;
    const loginNumbers = new Float64Array(n * LOGIN_NUMBERS);
    const loginText: (string | null)[] = new Array(n * LOGIN_TEXT);
    for (let i = 0; i < n; i++) {
      const e = this.logins[i] as ParsedLogin;
      const s = e.stamp as RangeStamp;
      loginNumbers.set([this.emitLines[i], e.line, s.segment, s.day, s.hour, s.minute, s.second, TRANSPORTS.indexOf(e.transport) + (e.proxyOnly ? 4 : 0)], i * LOGIN_NUMBERS);
      loginText[i * LOGIN_TEXT] = e.host;
      loginText[i * LOGIN_TEXT + 1] = e.user;
      loginText[i * LOGIN_TEXT + 2] = e.ip;
      loginText[i * LOGIN_TEXT + 3] = e.resource;
    }
    return {
      debugSeenBefore: this.debugSeenBefore,
      lines: stats.lines,
      unparsable: stats.unparsable,
      leadingUnstamped: parser.leadingUnstamped,
      stamped: parser.stamped,
      continuing: parser.continuing,
      firstDebugLine: this.firstDebugLine,
      infoLevelNoticed: sessions.infoLevelNoticed,
      months: this.months,
      minutes: this.minutes,
      loginNumbers,
      loginText,
      orphanBytes: this.orphanBytes.slice(0, this.orphanUsed),
      orphanMeta: Int32Array.from(this.orphanMeta),
      openedIds: this.openedIds,
      openedLines: this.openedLines,
      sessions: sessions.openSessions().map((s) => ({ ...s, authStamp: s.authStamp === null ? null : tupleOf(s.authStamp as RangeStamp) })),
      pending: sessions.knowsPending ? sessions.pendingPeerState() : null,
      notices: this.notices,
    };
  }
}

function tupleOf(s: RangeStamp): StampTuple {
  return [s.segment, s.day, s.hour, s.minute, s.second];
}

/** What stitching reads and moves on of the log's parser (`ProsodyFileParser.absorb`). */
export interface StitchTarget {
  readonly stats: ParserStats;
  readonly sessions: ProsodySessions;
  readonly ctx: ParserContext;
  readonly clock: LogClock;
  /** The year of a month change (`monthKey` names the month's bytes), from the log's one tracker. */
  yearOf(monthKey: number, month: number, day: number, hour: number, minute: number, second: number): number;
  /** The minute last given to `ctx.lineTime`. */
  lastLineKey: number;
  /** The last stamped line's message may be followed by unstamped lines. */
  continuing: boolean;
}

/**
 * The main thread's side: stitches a range a worker parsed on its own onto the log's parser `t`, as if its lines
 * had been read here (`rangeLines`: lines of this piece before the range): its years from this
 * tracker, its minutes, its logins and the lines of sessions it did not see open in line order,
 * then the sessions it left waiting. False, with nothing changed, when the range cannot be
 * stitched exactly (it assumed a debug line before it wrongly; the table of waiting sessions
 * could reach its cap, where the oldest is dropped): then the caller reads its lines here.
 */
export function absorbRange(t: StitchTarget, r: ProsodyRangeResult, rangeLines: number): boolean {
  const sessions = t.sessions;
  if (sessions.debugSeen !== r.debugSeenBefore) return false;
  if (!r.debugSeenBefore && sessions.pendingPeerState().has) return false; // it assumed no connection pending
  const orphans = r.orphanMeta.length / ORPHAN_META;
  if (sessions.openCount + r.openedIds.length + orphans >= MAX_OPEN_SESSIONS) return false;
  // Each month segment's year, from the log's one tracker (a range's first month may go on from before).
  const segments = r.months.length / 6;
  const years: number[] = new Array(segments);
  const months: number[] = new Array(segments);
  for (let g = 0; g < segments; g++) {
    const [key, month, day, hour, minute, second] = r.months.slice(g * 6, g * 6 + 6);
    years[g] = t.yearOf(key, month, day, hour, minute, second);
    months[g] = month;
  }
  const stampOf = ([g, day, hour, minute, second]: StampTuple): Stamp => t.clock.stampAt(years[g], months[g], day, hour, minute, second, 0);
  if (t.ctx.lineTime !== undefined) {
    const m = r.minutes;
    for (let i = 0; i < m.length; i += 5) {
      const g = m[i];
      const key = minuteKey(years[g], months[g], m[i + 1], m[i + 2], m[i + 3]);
      if (key === t.lastLineKey) continue;
      t.lastLineKey = key;
      const at: StampTuple = [g, m[i + 1], m[i + 2], m[i + 3], m[i + 4]];
      t.ctx.lineTime(key, () => stampOf(at));
    }
  }
  // Its one notice (a log without debug lines) is given once per log, as one pass gives it.
  if (r.infoLevelNoticed && !sessions.infoLevelNoticed) for (const [key, message] of r.notices) t.ctx.notice(key, message);
  sessions.infoLevelNoticed ||= r.infoLevelNoticed;
  // Logins, orphans and openings in line order: an opening ends the session of that id held here.
  const { emitLines, logins } = rangeLogins(r, stampOf, t.ctx.label, rangeLines);
  const meta = r.orphanMeta;
  const bytes = Buffer.from(r.orphanBytes.buffer, r.orphanBytes.byteOffset, r.orphanBytes.length);
  let l = 0;
  let o = 0;
  let e = 0;
  for (;;) {
    const ll = l < logins.length ? emitLines[l] : Infinity;
    const ol = o < orphans ? meta[o * ORPHAN_META] : Infinity;
    const el = e < r.openedLines.length ? r.openedLines[e] : Infinity;
    if (ll === Infinity && ol === Infinity && el === Infinity) break;
    if (el < ll && el < ol) sessions.forget(r.openedIds[e++]);
    else if (ll < ol) t.ctx.emit(logins[l++]);
    else {
      const at = o * ORPHAN_META;
      const [lineNo, end, src, srcEnd, msg, debug, g] = meta.subarray(at, at + ORPHAN_META);
      const start = o === 0 ? 0 : meta[at - ORPHAN_META + 1];
      sessions.debugSeen = r.debugSeenBefore || (r.firstDebugLine > 0 && r.firstDebugLine <= lineNo);
      const stamp = (): Stamp => stampOf([g, digitsAt(bytes, start + 4, 2), digitsAt(bytes, start + 7, 2), digitsAt(bytes, start + 10, 2), digitsAt(bytes, start + 13, 2)]);
      sessions.message(bytes, start + src, start + srcEnd, debug === 1, start + msg, end, rangeLines + lineNo, stamp);
      o++;
    }
  }
  t.stats.lines += r.lines;
  t.stats.unparsable += r.unparsable - (t.continuing ? r.leadingUnstamped : 0);
  if (r.stamped) t.continuing = r.continuing;
  sessions.debugSeen = r.debugSeenBefore || r.firstDebugLine > 0;
  sessions.infoLevelNoticed ||= r.infoLevelNoticed;
  const base = sessions.lineBase + rangeLines;
  sessions.adopt(
    r.sessions.map((s) => ({ ...s, openedAt: base + s.openedAt, authLine: s.authLine + rangeLines, authStamp: s.authStamp === null ? null : stampOf(s.authStamp) })),
    r.pending,
  );
  return true;
}

/** A range's logins, with the stamps `stampOf` makes from a segment and a wall clock. */
function rangeLogins(
  r: ProsodyRangeResult,
  stampOf: (tuple: StampTuple) => Stamp,
  label: string,
  lineBase: number,
): { emitLines: number[]; logins: ParsedLogin[] } {
  const n = r.loginNumbers.length / LOGIN_NUMBERS;
  const emitLines: number[] = new Array(n);
  const logins: ParsedLogin[] = new Array(n);
  const x = r.loginNumbers;
  const t = r.loginText;
  for (let i = 0; i < n; i++) {
    const at = i * LOGIN_NUMBERS;
    emitLines[i] = x[at];
    const flags = x[at + 7];
    const stamp = stampOf([x[at + 2], x[at + 3], x[at + 4], x[at + 5], x[at + 6]]);
    const text = i * LOGIN_TEXT;
    logins[i] = new ParsedLogin(stamp, t[text]!, t[text + 1]!, t[text + 2], t[text + 3], label, lineBase + x[at + 1], TRANSPORTS[flags & 3], (flags & 4) !== 0);
  }
  return { emitLines, logins };
}
