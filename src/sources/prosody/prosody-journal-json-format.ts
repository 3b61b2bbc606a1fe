import type { LineParser, LogFormat, ParserContext, ParserStats, TimeOptions } from '../log-format.js';
import { LogClock, type Stamp } from '../../time/log-clock.js';
import { ProsodySessions } from './prosody-sessions.js';

const IDENTIFIER = '"SYSLOG_IDENTIFIER":"prosody"';
// `log = "*stdout"` under systemd: `c2s557f900dce50     info\tClient connected`.
const STDOUT_SINK = /^(\S+) +(debug|info|warn|error)\t/;
const DEBUG_PRIORITY = '7';
/** Year 10000 in µs: a timestamp beyond it (or negative) is damage, not a date months can be named for. */
const MAX_MICROS = 253_402_300_800_000_000;

interface JournalEntry {
  MESSAGE?: string | number[];
  PRIORITY?: string;
  __REALTIME_TIMESTAMP?: string;
}

/**
 * `journalctl -o json` (one JSON object per line) of Prosody's syslog or `*stdout` sink: the
 * message is in MESSAGE, the level in PRIORITY, the instant in __REALTIME_TIMESTAMP (µs). Entries
 * of other programs are passed over without parsing them.
 */
export const prosodyJournalJsonFormat: LogFormat = {
  name: 'prosody-journal-json',
  description: 'Prosody in journalctl -o json output',
  detect: (sample) => sample.some((line) => line.startsWith('{') && line.includes(IDENTIFIER)),
  createParser: (ctx, time) => new JournalJsonParser(ctx, time),
};

class JournalJsonParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private readonly sessions: ProsodySessions;
  private readonly clock: LogClock;
  private instant = 0;
  private readonly stamp = (): Stamp => this.clock.stamp(this.time.zone.wallClock(this.instant));

  constructor(
    private readonly ctx: ParserContext,
    private readonly time: TimeOptions,
  ) {
    this.sessions = new ProsodySessions(ctx, this.stats);
    this.clock = new LogClock(time);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    if (end === start) return;
    const text = buf.toString('utf8', start, end);
    if (!text.includes(IDENTIFIER)) {
      if (text[0] !== '{') this.stats.unparsable++;
      return;
    }
    let entry: JournalEntry;
    try {
      entry = JSON.parse(text) as JournalEntry;
    } catch {
      this.stats.unparsable++;
      return;
    }
    const raw = entry.MESSAGE;
    const message = Array.isArray(raw) ? Buffer.from(raw).toString('utf8') : raw;
    const micros = Number(entry.__REALTIME_TIMESTAMP);
    if (typeof message !== 'string' || !(micros >= 0 && micros < MAX_MICROS)) {
      this.stats.unparsable++;
      return;
    }
    this.instant = Math.floor(micros / 1000);
    this.ctx.lineTime?.(Math.floor(this.instant / 60_000), this.stamp);
    const stdout = STDOUT_SINK.exec(message);
    const source = stdout ? stdout[1] : message.slice(0, Math.max(0, message.indexOf(': ')));
    if (source === '') return;
    const body = stdout ? message.slice(stdout[0].length) : message.slice(source.length + 2);
    const bytes = Buffer.from(`${source}\t${body}`, 'utf8');
    const srcEnd = Buffer.byteLength(source, 'utf8');
    const isDebug = stdout ? stdout[2] === 'debug' : entry.PRIORITY === DEBUG_PRIORITY;
    this.sessions.message(bytes, 0, srcEnd, isDebug, srcEnd + 1, bytes.length, lineNo, this.stamp);
  }

  nextFile(): void {
    // journald's timestamps are complete instants.
  }

  end(): void {
    this.sessions.end();
  }

  pendingSince(): number | undefined {
    return this.sessions.pendingSince();
  }
}
