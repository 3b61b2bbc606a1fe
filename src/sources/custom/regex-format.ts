import type { LineParser, LogFormat, ParserContext, ParserStats, TimeOptions } from '../log-format.js';
import { LogClock, type Stamp } from '../../time/log-clock.js';
import { YearTracker } from '../../time/year-inference.js';
import { TimeFormat, type ParsedTime } from '../../time/strftime.js';
import { normalizeName, normalizeResource } from '../../core/normalize.js';
import { UsageError } from '../../errors.js';
import { SessionTable } from '../session-table.js';
import { ParsedLogin } from '../parsed-login.js';

/** Open sessions remembered for their address; more than this and the oldest are dropped. */
const MAX_SESSIONS = 100_000;

// Without --time-format: ISO 8601 (with or without offset), or syslog's `Sep 03 09:00:00`.
const DEFAULT_TIME_FORMATS = ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%d %H:%M:%S.%f%z', '%Y-%m-%d %H:%M:%S%z',
  '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S', '%b %d %H:%M:%S'].map((f) => TimeFormat.compile(f));

/**
 * Any other log layout, described by a JavaScript regular expression with named groups (SPEC §4):
 * `time` (required); `user` and `host` (or `jid`, `user@host/resource`) make a line a login, with
 * `resource` and `ip` when the line has them; a line with `session` and `ip` but no user remembers
 * the address for that session's later login line.
 */
export function regexFormat(lineRegex: string, timeFormat?: string): LogFormat {
  let regex: RegExp;
  try {
    regex = new RegExp(lineRegex);
  } catch (err) {
    throw new UsageError(`--line-regex: not a valid regular expression: ${(err as Error).message}`);
  }
  const groups = new Set([...lineRegex.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]));
  if (!groups.has('time')) throw new UsageError('--line-regex: needs a named group (?<time>…)');
  if (!groups.has('jid') && !(groups.has('user') && groups.has('host'))) {
    throw new UsageError('--line-regex: needs named groups (?<user>…) and (?<host>…), or (?<jid>…)');
  }
  const formats = timeFormat === undefined ? DEFAULT_TIME_FORMATS : [TimeFormat.compile(timeFormat)];
  return {
    name: 'regex',
    description: `lines matching --line-regex ${lineRegex}`,
    detect: () => false,
    createParser: (ctx, time) => new RegexParser(ctx, time, regex, formats),
  };
}

class RegexParser implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  private readonly sessions = new SessionTable<string>(MAX_SESSIONS);
  private readonly clock: LogClock;
  private years: YearTracker;

  constructor(
    private readonly ctx: ParserContext,
    private readonly time: TimeOptions,
    private readonly regex: RegExp,
    private readonly formats: readonly TimeFormat[],
  ) {
    this.clock = new LogClock(time);
    this.years = new YearTracker(time.zone, time.referenceMs, time.firstYear, time.onYear);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    const m = this.regex.exec(buf.toString('utf8', start, end));
    const g = m?.groups;
    if (!g) return; // a line the operator's expression does not describe: not ours to judge
    const time = g.time;
    if (time !== undefined) this.ctx.lineTime?.(time, () => this.stamp(time));
    let [user, host, resource]: Array<string | undefined> = [g.user, g.host, g.resource];
    if (g.jid !== undefined) [user, host, resource] = splitJid(g.jid);
    const ip = g.ip || (g.session !== undefined ? this.sessions.get(g.session) : undefined) || null;
    if (!user || !host) {
      if (g.session !== undefined && g.ip) this.remember(g.session, g.ip);
      return;
    }
    const stamp = g.time === undefined ? null : this.stamp(g.time);
    if (stamp === null) {
      this.stats.unparsable++;
      return;
    }
    if (g.session !== undefined) this.sessions.delete(g.session);
    // Normalising can leave nothing (`\u00ad`): no name, no login, and never an empty file name.
    const [userName, hostName] = [normalizeName(user), normalizeName(host)];
    if (userName === '' || hostName === '') {
      this.stats.unparsable++;
      return;
    }
    this.ctx.emit(new ParsedLogin(stamp, hostName, userName, ip, resource ? normalizeResource(resource) : null, this.ctx.label, lineNo));
  }

  nextFile(referenceMs: number | null): void {
    if (this.time.firstYear === undefined) this.years = new YearTracker(this.time.zone, referenceMs, undefined, this.time.onYear);
  }

  end(): void {
    this.sessions.clear();
  }

  pendingSince(): number | undefined {
    return this.sessions.oldestSince();
  }

  private remember(session: string, ip: string): void {
    this.sessions.update(session, ip, this.ctx.position?.() ?? 0);
  }

  private stamp(text: string): Stamp | null {
    let parsed: ParsedTime | null = null;
    for (const f of this.formats) {
      const r = f.parse(text);
      if (r && r.length === text.length) {
        parsed = r.time;
        break;
      }
    }
    if (parsed === null) return null;
    if (parsed.epochSeconds !== undefined) {
      const instant = parsed.epochSeconds * 1000;
      return this.clock.stamp({ ...this.time.zone.wallClock(instant) });
    }
    const year = parsed.year ?? this.years.yearOf(parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second);
    const wall = { ...parsed, year };
    return parsed.offsetMs !== undefined ? this.clock.stampWithOffset(wall, parsed.offsetMs) : this.clock.stamp(wall);
  }
}

function splitJid(jid: string): [string | undefined, string | undefined, string | undefined] {
  const at = jid.indexOf('@');
  if (at <= 0) return [undefined, undefined, undefined];
  const slash = jid.indexOf('/', at + 1);
  return slash < 0 ? [jid.slice(0, at), jid.slice(at + 1), undefined] : [jid.slice(0, at), jid.slice(at + 1, slash), jid.slice(slash + 1)];
}
