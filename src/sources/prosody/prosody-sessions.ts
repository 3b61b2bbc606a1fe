import type { ParserContext, ParserStats } from '../log-format.js';
import type { Stamp } from '../../time/log-clock.js';
import { normalizeName, normalizeResource } from '../../core/normalize.js';
import { ascii, startsWithAt } from '../bytes.js';
import { SessionTable } from '../session-table.js';
import { ParsedLogin } from '../parsed-login.js';

/** Sessions that connected but have not bound yet; more than this and the oldest are dropped. */
export const MAX_OPEN_SESSIONS = 100_000;

const C2S = ascii('c2s');
const CONN = ascii('conn');
const NEW_CONNECTION = ascii('New connection FD ');
const CLIENT_CONNECTED = ascii('Client connected');
const CLIENT_DISCONNECTED = ascii('Client disconnected');
const AUTHENTICATED_AS = ascii('Authenticated as ');
const SUCCESSFUL_AUTH = ascii('Successful authentication as ');
const FROM_IP = ' from IP: ';
const RESOURCE_BOUND = ascii('Resource bound: ');

interface OpenSession {
  ip: string | null;
  /** `user@host` from `Authenticated as`; set only while an info-level login waits to be emitted. */
  authenticated: string | null;
  authLine: number;
  authStamp: Stamp | null;
}

/**
 * Prosody's c2s messages, whatever framing carried them (file sink, syslog, journald), turned into
 * logins (SPEC §4). A login is `Resource bound`; in a log without debug lines it is the
 * authentication, with the IP of mod_log_auth's line that follows it. Only sessions still waiting
 * for their bind are kept, so memory follows concurrent logins, not the log's length.
 */
export class ProsodySessions {
  private readonly open = new SessionTable<OpenSession>(MAX_OPEN_SESSIONS);
  /** Peer of the last `New connection`: the next `Client connected` is its session (adjacency). */
  private pendingPeer: string | null = null;
  /** Where that `New connection` line began: a session's first line. */
  private pendingPeerSince = 0;
  private debugSeen = false;
  private infoLevelNoticed = false;

  /** `stats` is the parser's: a login line whose JID has no user or host counts as unparsable. */
  constructor(
    private readonly ctx: ParserContext,
    private readonly stats: ParserStats,
  ) {}

  /**
   * One message. `source` is `buf[srcStart, srcEnd)`, the message `buf[msgStart, msgEnd)`.
   * `stamp` is called only when the line turns out to matter.
   */
  message(
    buf: Buffer,
    srcStart: number,
    srcEnd: number,
    isDebug: boolean,
    msgStart: number,
    msgEnd: number,
    lineNo: number,
    stamp: () => Stamp,
  ): void {
    if (isDebug) this.debugSeen = true;
    if (startsWithAt(buf, srcStart, srcEnd, C2S)) {
      // Hot path: in a debug log most c2s lines are stanza traces that cannot matter.
      if (this.debugSeen && !isSessionEvent(buf, msgStart, msgEnd)) return;
      this.c2sMessage(buf.toString('latin1', srcStart, srcEnd), buf, msgStart, msgEnd, lineNo, stamp);
    } else if (startsWithAt(buf, srcStart, srcEnd, CONN) && startsWithAt(buf, msgStart, msgEnd, NEW_CONNECTION)) {
      this.pendingPeer = peerOfNewConnection(buf.toString('latin1', msgStart, msgEnd));
      this.pendingPeerSince = this.position();
    }
  }

  /** Where the oldest session still waiting for its login began (its `New connection` line). */
  pendingSince(): number | undefined {
    const oldest = this.open.oldestSince();
    if (this.pendingPeer === null) return oldest;
    return oldest === undefined ? this.pendingPeerSince : Math.min(oldest, this.pendingPeerSince);
  }

  private position(): number {
    return this.ctx.position?.() ?? 0;
  }

  /** End of input: settle info-level logins still waiting for their session's next line. */
  end(): void {
    for (const [, { value: session }] of this.open.entries()) {
      if (session.authenticated !== null) this.emitAuthenticated(session);
    }
    this.open.clear();
  }

  private c2sMessage(id: string, buf: Buffer, msgStart: number, msgEnd: number, lineNo: number, stamp: () => Stamp): void {
    if (startsWithAt(buf, msgStart, msgEnd, CLIENT_CONNECTED)) {
      this.openSession(id);
      return;
    }
    const session = this.open.get(id);
    if (session === undefined) return;

    if (startsWithAt(buf, msgStart, msgEnd, RESOURCE_BOUND)) {
      const jid = buf.toString('utf8', msgStart + RESOURCE_BOUND.length, msgEnd);
      this.emit(jid, session.ip, stamp(), lineNo, true);
      this.open.delete(id);
      return;
    }
    if (startsWithAt(buf, msgStart, msgEnd, AUTHENTICATED_AS)) {
      if (!this.debugSeen) {
        session.authenticated = buf.toString('utf8', msgStart + AUTHENTICATED_AS.length, msgEnd);
        session.authLine = lineNo;
        session.authStamp = stamp();
      }
      return;
    }
    if (startsWithAt(buf, msgStart, msgEnd, SUCCESSFUL_AUTH)) {
      const text = buf.toString('utf8', msgStart, msgEnd);
      const at = text.lastIndexOf(FROM_IP);
      if (at >= 0) session.ip = text.slice(at + FROM_IP.length).trim() || session.ip;
    }
    if (session.authenticated !== null) {
      // The session's next line after `Authenticated as` (mod_log_auth's IP, if any) has been seen.
      if (this.debugSeen) {
        session.authenticated = null; // a debug log after all: its `Resource bound` is the login
      } else {
        this.emitAuthenticated(session);
        this.open.delete(id);
        return;
      }
    }
    if (startsWithAt(buf, msgStart, msgEnd, CLIENT_DISCONNECTED)) this.open.delete(id);
  }

  private openSession(id: string): void {
    // The session began at its `New connection` line when the line before was one.
    const since = this.pendingPeer !== null ? this.pendingPeerSince : this.position();
    this.open.open(id, { ip: this.pendingPeer, authenticated: null, authLine: 0, authStamp: null }, since);
    this.pendingPeer = null;
  }

  private emitAuthenticated(session: OpenSession): void {
    const jid = session.authenticated!;
    session.authenticated = null;
    if (this.debugSeen) return;
    if (!this.infoLevelNoticed) {
      this.infoLevelNoticed = true;
      this.ctx.notice(
        'prosody-info-level',
        'this Prosody log has no debug-level lines: logins are counted from authentications, clients are unknown (client-?); log at debug level for client statistics',
      );
    }
    // Prosody 13 appends the role: `alice@example.com [prosody:registered]`.
    const space = jid.indexOf(' ');
    this.emit(space >= 0 ? jid.slice(0, space) : jid, session.ip, session.authStamp!, session.authLine, false);
  }

  private emit(jid: string, ip: string | null, stamp: Stamp, lineNo: number, withResource: boolean): void {
    const at = jid.indexOf('@');
    const slash = jid.indexOf('/', at + 1);
    const hostEnd = withResource && slash >= 0 ? slash : jid.length;
    // Normalising can leave nothing (`\u00ad@\ufeff`): no name, no login, and never an empty file name.
    const user = at > 0 ? normalizeName(jid.slice(0, at)) : '';
    const host = at > 0 ? normalizeName(jid.slice(at + 1, hostEnd)) : '';
    if (user === '' || host === '') {
      this.stats.unparsable++;
      return;
    }
    const resource = withResource && slash >= 0 ? normalizeResource(jid.slice(slash + 1)) : null;
    this.ctx.emit(new ParsedLogin(stamp, host, user, ip, resource, this.ctx.label, lineNo));
  }
}

const CLIENT = ascii('Client ');

/**
 * For `--jobs` (a worker's line filter): could this message change `ProsodySessions`' state or
 * log a login? `debugSeen`: a debug line came earlier in the filter's range. Before one, any c2s
 * line may be the line after an info-level `Authenticated as`; after one, only the messages that
 * open, bind, give the IP of or close a session act (an `authenticated` left from before the first
 * debug line is cleared by whichever of them comes next, and is never emitted). Keep in step with `message`.
 */
export function sessionLineMatters(buf: Buffer, srcStart: number, srcEnd: number, msgStart: number, msgEnd: number, debugSeen: boolean): boolean {
  if (startsWithAt(buf, srcStart, srcEnd, C2S)) {
    if (!debugSeen) return true;
    switch (buf[msgStart]) {
      case 0x52: // R
        return startsWithAt(buf, msgStart, msgEnd, RESOURCE_BOUND);
      case 0x43: // C
        return startsWithAt(buf, msgStart, msgEnd, CLIENT_CONNECTED) || startsWithAt(buf, msgStart, msgEnd, CLIENT_DISCONNECTED);
      case 0x53: // S
        return startsWithAt(buf, msgStart, msgEnd, SUCCESSFUL_AUTH);
      default:
        return false;
    }
  }
  return startsWithAt(buf, srcStart, srcEnd, CONN) && startsWithAt(buf, msgStart, msgEnd, NEW_CONNECTION);
}

/** The c2s messages that open, authenticate, bind or close a session (dispatched on the first byte: most lines fail there). */
function isSessionEvent(buf: Buffer, start: number, end: number): boolean {
  switch (buf[start]) {
    case 0x52: // R
      return startsWithAt(buf, start, end, RESOURCE_BOUND);
    case 0x43: // C
      return startsWithAt(buf, start, end, CLIENT);
    case 0x41: // A
      return startsWithAt(buf, start, end, AUTHENTICATED_AS);
    case 0x53: // S
      return startsWithAt(buf, start, end, SUCCESSFUL_AUTH);
    default:
      return false;
  }
}

/** `New connection FD 15 (127.0.1.10, 35489, 127.0.0.1, 5222) on server …` → `127.0.1.10`. */
function peerOfNewConnection(message: string): string | null {
  const open = message.indexOf('(');
  const comma = message.indexOf(',', open + 1);
  if (open < 0 || comma < 0) return null;
  return message.slice(open + 1, comma).trim() || null;
}
