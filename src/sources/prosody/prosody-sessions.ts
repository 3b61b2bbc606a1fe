import type { ParserContext, ParserStats } from '../log-format.js';
import type { Stamp } from '../../time/log-clock.js';
import { isRoutableAddress } from '../../core/address-scope.js';
import { nameAt, resourceAt } from '../jid-bytes.js';
import { HeldBytes, indexOfByte, lastIndexOfBytes, startsWithAt } from '../bytes.js';
import { C2S, BOSH, CONN, NEW_CONNECTION, CLOSING_NOW, WEBSOCKET_HANDSHAKE, BOSH_CREATED, BOSH_DISCONNECTED, DESTROYING_UNBOUND, CLIENT_CONNECTED, CLIENT_DISCONNECTED, AUTHENTICATED_AS, SUCCESSFUL_AUTH, FROM_IP, RESOURCE_BOUND, holdPeerOfNewConnection, isSessionEvent } from './prosody-messages.js';
import { hexIdKey, SessionTable, type SessionKey } from '../session-table.js';
import { ParsedLogin, type Transport } from '../parsed-login.js';

/** Sessions that connected but have not bound yet; more than this and the oldest are dropped. */
export const MAX_OPEN_SESSIONS = 100_000;

interface OpenSession {
  ip: string | null;
  /** `ip` is the TCP peer of the session's connection (`New connection`), not an address Prosody attributed. */
  ipIsPeer: boolean;
  transport: Transport;
  /** The normalised user of `Authenticated as`; set only while an info-level login waits to be emitted. */
  authUser: string | null;
  /** …and its host. */
  authHost: string;
  authLine: number;
  authStamp: Stamp | null;
  /** The line that opened it, counted over the whole log (`lineBase` + its line): the table's age order. */
  openedAt: number;
}

/**
 * A parser reading one byte range of a log on its own (`--jobs`, `prosody-range.ts`) knows nothing
 * of the lines before it. What it cannot settle alone — a line of a session it has not seen open,
 * and, before the range's first `New connection`, a `Client connected` or `Closing now` (which
 * take or withdraw a peer that may be pending from before) — it hands to `orphan` untouched, for
 * the main thread to apply in order to the state the ranges before left; `opened` hears every
 * session it opens (an id opened again ends the session of that id the main thread may hold).
 */
export interface RangeHooks {
  orphan(): void;
  opened(id: SessionKey, lineNo: number): void;
}

/** A session still waiting at a range's end, as it crosses threads (its stamp as the parser made it). */
export interface OpenSessionState extends Omit<OpenSession, 'authStamp'> {
  readonly id: SessionKey;
  readonly authStamp: Stamp | null;
}

/** The pending connection of `ProsodySessions`, as it crosses threads. */
export interface PendingPeerState {
  readonly has: boolean;
  readonly peer: string;
  readonly conn: string;
}

/**
 * Prosody's session messages, whatever framing carried them (file sink, syslog, journald, console),
 * turned into logins (SPEC §4). A login is `Resource bound`; in a log without debug lines it is the
 * authentication, with the IP of mod_log_auth's line that follows it. Only sessions still waiting
 * for their bind are kept, so memory follows concurrent logins, not the log's length.
 *
 * Sessions are `c2s<id>` (TCP, and WebSocket: a c2s session on an HTTP connection, known by its
 * `Sending WebSocket handshake`) and `bosh<sid>` (BOSH: no `Client connected`; its address is the one
 * of `BOSH session created for request from`, already after X-Forwarded-For). A c2s session's peer is
 * the one of the last `New connection` whose connection has not closed before `Client connected`.
 * HTTP requests' own `New connection` lines (BOSH) close before any session opens, so they give
 * nothing. mod_log_auth's `from IP:` is Prosody's address of the session (after X-Forwarded-For) and
 * wins over the peer. A WebSocket login whose only address is a non-routable peer has the proxy's
 * address, not the user's: it is emitted without an address (place `?-?-?`) and flagged.
 */
export class ProsodySessions {
  private readonly open = new SessionTable<OpenSession>(MAX_OPEN_SESSIONS);
  /**
   * Peer of the last `New connection` still open, as bytes (most connections are HTTP requests that
   * close without a session): the next `Client connected` is its session.
   */
  private readonly pendingPeer = new HeldBytes();
  private hasPendingPeer = false;
  /** The connection (`conn<id>`) of `pendingPeer`; its `Closing now` withdraws the peer. */
  private readonly pendingConn = new HeldBytes();
  /** Where that `New connection` line began: a session's first line. */
  private pendingPeerSince = 0;
  debugSeen = false;
  infoLevelNoticed = false;
  /** Lines of the log before the current piece (`openedAt`); the parser sets it per piece. */
  lineBase = 0;
  /** Range mode: a `New connection` came in this range (or none was pending before it), so what is pending is known. */
  private sawNewConnection = false;

  /** `stats` is the parser's: a login line whose JID has no user or host counts as unparsable. */
  constructor(
    private readonly ctx: ParserContext,
    private readonly stats: ParserStats,
    private readonly range: RangeHooks | null = null,
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
    const c2s = startsWithAt(buf, srcStart, srcEnd, C2S);
    if (c2s || startsWithAt(buf, srcStart, srcEnd, BOSH)) {
      // Hot path: in a debug log most session lines are stanza traces that cannot matter.
      if (this.debugSeen && !isSessionEvent(buf, msgStart, msgEnd, !c2s)) return;
      // A c2s id is a number (no string per line) unless it is not the usual hex (`hexIdKey`).
      if (c2s) this.c2sMessage(hexIdKey(buf, srcStart, srcEnd, C2S.length), buf, msgStart, msgEnd, lineNo, stamp);
      else this.boshMessage(buf.toString('latin1', srcStart, srcEnd), buf, msgStart, msgEnd, lineNo, stamp);
    } else if (startsWithAt(buf, srcStart, srcEnd, CONN)) {
      if (startsWithAt(buf, msgStart, msgEnd, NEW_CONNECTION)) {
        this.sawNewConnection = true;
        this.hasPendingPeer = holdPeerOfNewConnection(this.pendingPeer, buf, msgStart, msgEnd);
        this.pendingConn.hold(buf, srcStart, srcEnd);
        this.pendingPeerSince = this.position();
      } else if (this.range !== null && !this.sawNewConnection) {
        if (startsWithAt(buf, msgStart, msgEnd, CLOSING_NOW)) this.range.orphan();
      } else if (this.hasPendingPeer && startsWithAt(buf, msgStart, msgEnd, CLOSING_NOW) && this.pendingConn.equals(buf, srcStart, srcEnd)) {
        this.hasPendingPeer = false; // an HTTP request (BOSH) or a probe: its connection had no session
      }
    }
  }

  /** Where the oldest session still waiting for its login began (its `New connection` line). */
  pendingSince(): number | undefined {
    const oldest = this.open.oldestSince();
    if (!this.hasPendingPeer) return oldest;
    return oldest === undefined ? this.pendingPeerSince : Math.min(oldest, this.pendingPeerSince);
  }

  private position(): number {
    return this.ctx.position?.() ?? 0;
  }

  /** End of input: settle info-level logins still waiting for their session's next line. */
  end(): void {
    for (const [, { value: session }] of this.open.entries()) {
      if (session.authUser !== null) this.emitAuthenticated(session);
    }
    this.open.clear();
  }

  private c2sMessage(id: SessionKey, buf: Buffer, msgStart: number, msgEnd: number, lineNo: number, stamp: () => Stamp): void {
    if (startsWithAt(buf, msgStart, msgEnd, CLIENT_CONNECTED)) {
      if (this.range !== null && !this.sawNewConnection) this.range.orphan();
      else this.openSession(id, lineNo);
      return;
    }
    const session = this.open.get(id);
    if (session === undefined) {
      this.range?.orphan();
      return;
    }
    if (startsWithAt(buf, msgStart, msgEnd, WEBSOCKET_HANDSHAKE)) {
      session.transport = 'websocket';
      return;
    }
    this.sessionMessage(id, session, buf, msgStart, msgEnd, lineNo, stamp);
  }

  /** A BOSH session: opened by `BOSH session created` (debug) or, in an info-level log, by its first line that matters. */
  private boshMessage(id: SessionKey, buf: Buffer, msgStart: number, msgEnd: number, lineNo: number, stamp: () => Stamp): void {
    if (startsWithAt(buf, msgStart, msgEnd, BOSH_CREATED)) {
      const ip = buf.toString('latin1', msgStart + BOSH_CREATED.length, msgEnd).trim() || null;
      this.openAt(id, newSession(ip, false, 'bosh', this.lineBase + lineNo), this.position(), lineNo);
      return;
    }
    let session = this.open.get(id);
    if (session === undefined) {
      if (this.range !== null) return this.range.orphan();
      if (!startsWithAt(buf, msgStart, msgEnd, AUTHENTICATED_AS) && !startsWithAt(buf, msgStart, msgEnd, SUCCESSFUL_AUTH)) return;
      session = newSession(null, false, 'bosh', this.lineBase + lineNo);
      this.open.open(id, session, this.position());
    }
    if (startsWithAt(buf, msgStart, msgEnd, BOSH_DISCONNECTED) || startsWithAt(buf, msgStart, msgEnd, DESTROYING_UNBOUND)) {
      if (session.authUser !== null) this.emitAuthenticated(session);
      this.open.delete(id);
      return;
    }
    this.sessionMessage(id, session, buf, msgStart, msgEnd, lineNo, stamp);
  }

  /** What c2s, WebSocket and BOSH sessions log alike: authentication, mod_log_auth's address, the bind, the end. */
  private sessionMessage(id: SessionKey, session: OpenSession, buf: Buffer, msgStart: number, msgEnd: number, lineNo: number, stamp: () => Stamp): void {
    if (startsWithAt(buf, msgStart, msgEnd, RESOURCE_BOUND)) {
      this.emitBound(buf, msgStart + RESOURCE_BOUND.length, msgEnd, session, stamp, lineNo);
      this.open.delete(id);
      return;
    }
    if (startsWithAt(buf, msgStart, msgEnd, AUTHENTICATED_AS)) {
      if (!this.debugSeen) {
        this.holdAuthenticated(session, buf, msgStart + AUTHENTICATED_AS.length, msgEnd);
        session.authLine = lineNo;
        session.authStamp = stamp();
      }
      return;
    }
    if (startsWithAt(buf, msgStart, msgEnd, SUCCESSFUL_AUTH)) {
      // Decoded from after ` from IP: ` (ASCII: the text decodes as it would within the message's).
      const at = lastIndexOfBytes(buf, FROM_IP, msgStart, msgEnd);
      const ip = at >= 0 ? buf.toString('utf8', at + FROM_IP.length, msgEnd).trim() : '';
      if (ip !== '' && ip !== '?') {
        session.ip = ip;
        session.ipIsPeer = false;
      }
    }
    if (session.authUser !== null) {
      // The session's next line after `Authenticated as` (mod_log_auth's IP, if any) has been seen.
      if (this.debugSeen) {
        session.authUser = null; // a debug log after all: its `Resource bound` is the login
      } else {
        this.emitAuthenticated(session);
        this.open.delete(id);
        return;
      }
    }
    if (startsWithAt(buf, msgStart, msgEnd, CLIENT_DISCONNECTED)) this.open.delete(id);
  }

  private openSession(id: SessionKey, lineNo: number): void {
    // The session began at its `New connection` line when the line before was one.
    const peer = this.hasPendingPeer ? this.pendingPeer.latin1() : null;
    const since = peer !== null ? this.pendingPeerSince : this.position();
    this.openAt(id, newSession(peer, peer !== null, 'c2s', this.lineBase + lineNo), since, lineNo);
    this.hasPendingPeer = false;
  }

  private openAt(id: SessionKey, session: OpenSession, since: number, lineNo: number): void {
    this.open.open(id, session, since);
    this.range?.opened(id, lineNo);
  }

  // ---- Stitching ranges read on their own (`prosody-range.ts`) ----

  /** Sessions waiting now, oldest first. */
  openSessions(): OpenSessionState[] {
    return [...this.open.entries()].map(([id, { value }]) => ({ id, ...value }));
  }

  get openCount(): number {
    return this.open.size;
  }

  pendingPeerState(): PendingPeerState {
    return { has: this.hasPendingPeer, peer: this.pendingPeer.latin1(), conn: this.pendingConn.latin1() };
  }

  /** Range mode: whether the range had a `New connection` or assumed none pending before it (then its pending peer is the log's). */
  get knowsPending(): boolean {
    return this.sawNewConnection;
  }

  /** Range mode: take it that no connection was pending when the range began (the main thread checks it). */
  assumeNothingPending(): void {
    this.sawNewConnection = true;
  }

  /** A session of this id opened again in a later range ended the one held here. */
  forget(id: SessionKey): void {
    this.open.delete(id);
  }

  /**
   * The sessions a range left waiting (opened after every one held here that it did not end), and
   * its pending peer when it knew it; then the table in the order a serial read has it, by `openedAt`.
   */
  adopt(sessions: readonly OpenSessionState[], pending: PendingPeerState | null): void {
    for (const { id, ...session } of sessions) this.open.open(id, session as OpenSession, 0);
    this.open.reorder((a, b) => a.openedAt - b.openedAt);
    if (pending !== null) {
      this.hasPendingPeer = pending.has;
      const peer = Buffer.from(pending.peer, 'latin1');
      const conn = Buffer.from(pending.conn, 'latin1');
      this.pendingPeer.hold(peer, 0, peer.length);
      this.pendingConn.hold(conn, 0, conn.length);
    }
  }

  private emitAuthenticated(session: OpenSession): void {
    const user = session.authUser!;
    session.authUser = null;
    if (this.debugSeen) return;
    if (!this.infoLevelNoticed) {
      this.infoLevelNoticed = true;
      this.ctx.notice(
        'prosody-info-level',
        'this Prosody log has no debug-level lines: logins are counted from authentications, clients are unknown (client-?); log at debug level for client statistics',
      );
    }
    this.emit(user, session.authHost, null, session, session.authStamp!, session.authLine);
  }

  /** `Authenticated as user@host`, the JID being `buf[start…end)`: its names, for the login its session's next line settles. */
  private holdAuthenticated(session: OpenSession, buf: Buffer, start: number, end: number): void {
    // Prosody 13 appends the role: `alice@example.com [prosody:registered]`.
    const space = indexOfByte(buf, 0x20, start, end);
    const bareEnd = space >= 0 ? space : end;
    const at = indexOfByte(buf, 0x40, start, bareEnd); // @
    session.authUser = at > start ? nameAt(buf, start, at) : '';
    session.authHost = at > start ? nameAt(buf, at + 1, bareEnd) : '';
  }

  /** `Resource bound: user@host/resource`, the JID being `buf[start…end)` (read from its bytes: `jid-bytes.ts`). */
  private emitBound(buf: Buffer, start: number, end: number, session: OpenSession, stamp: () => Stamp, lineNo: number): void {
    const at = indexOfByte(buf, 0x40, start, end); // @
    const slash = indexOfByte(buf, 0x2f, at < 0 ? start : at + 1, end); // /
    const user = at > start ? nameAt(buf, start, at) : '';
    const host = at > start ? nameAt(buf, at + 1, slash >= 0 ? slash : end) : '';
    const resource = slash >= 0 ? resourceAt(buf, slash + 1, end) : null;
    this.emit(user, host, resource, session, stamp(), lineNo);
  }

  /** A login, unless normalising left no user or host (`\u00ad@\ufeff`): then a line that cannot be counted. */
  private emit(user: string, host: string, resource: string | null, session: OpenSession, stamp: Stamp, lineNo: number): void {
    if (user === '' || host === '') {
      this.stats.unparsable++;
      return;
    }
    // A WebSocket's TCP peer that no one on the internet can have is the reverse proxy.
    const proxyOnly = session.transport === 'websocket' && session.ipIsPeer && session.ip !== null && !isRoutableAddress(session.ip);
    const ip = proxyOnly ? null : session.ip;
    this.ctx.emit(new ParsedLogin(stamp, host, user, ip, resource, this.ctx.label, lineNo, session.transport, proxyOnly));
  }
}

function newSession(ip: string | null, ipIsPeer: boolean, transport: Transport, openedAt: number): OpenSession {
  return { ip, ipIsPeer, transport, authUser: null, authHost: '', authLine: 0, authStamp: null, openedAt };
}
