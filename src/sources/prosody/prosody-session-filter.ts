import { HeldBytes, startsWithAt } from '../bytes.js';
import { C2S, BOSH, CONN, NEW_CONNECTION, CLOSING_NOW, CLIENT_CONNECTED, holdPeerOfNewConnection, isSessionEvent } from './prosody-messages.js';

/**
 * For `--jobs` (a worker's line filter): could this message change `ProsodySessions`' state or
 * log a login? `debugSeen`: a debug line came earlier in the filter's range. Before one, any c2s or
 * BOSH line may matter (an info-level `Authenticated as` waits for its session's next line); after
 * one, only the session events `message` acts on (`isSessionEvent`), and a connection's `New
 * connection` and `Closing now`. It may keep more than `message` acts on, never less. Keep in step with `message`.
 */
export function sessionLineMatters(buf: Buffer, srcStart: number, srcEnd: number, msgStart: number, msgEnd: number, debugSeen: boolean): boolean {
  const c2s = startsWithAt(buf, srcStart, srcEnd, C2S);
  if (c2s || startsWithAt(buf, srcStart, srcEnd, BOSH)) {
    return !debugSeen || isSessionEvent(buf, msgStart, msgEnd, !c2s);
  }
  return startsWithAt(buf, srcStart, srcEnd, CONN) && (startsWithAt(buf, msgStart, msgEnd, NEW_CONNECTION) || startsWithAt(buf, msgStart, msgEnd, CLOSING_NOW));
}

/**
 * `sessionLineMatters` for a filter that sees exactly the messages its parser hands `message`, in
 * order (the file sink's): it follows the pending connection as `message` does, so it keeps only
 * the `Closing now` that withdraws a pending peer (most close a connection whose session opened
 * long before). Until its range's first `New connection`, what is pending is not known: it keeps them all.
 */
export class SessionLineFilter {
  private readonly conn = new HeldBytes();
  private readonly peer = new HeldBytes();
  /** `message`'s `hasPendingPeer`, once known. */
  private pending: boolean | null = null;

  matters(buf: Buffer, srcStart: number, srcEnd: number, msgStart: number, msgEnd: number, debugSeen: boolean): boolean {
    // Every line that changes what is pending (New connection, Closing now, c2s Client connected) matters here.
    if (!sessionLineMatters(buf, srcStart, srcEnd, msgStart, msgEnd, debugSeen)) return false;
    if (!startsWithAt(buf, srcStart, srcEnd, CONN)) {
      if (this.pending === true && startsWithAt(buf, srcStart, srcEnd, C2S) && startsWithAt(buf, msgStart, msgEnd, CLIENT_CONNECTED)) this.pending = false;
      return true;
    }
    if (startsWithAt(buf, msgStart, msgEnd, NEW_CONNECTION)) {
      this.pending = holdPeerOfNewConnection(this.peer, buf, msgStart, msgEnd);
      this.conn.hold(buf, srcStart, srcEnd);
      return true;
    }
    // `Closing now`
    if (this.pending === null) return true;
    if (!this.pending || !this.conn.equals(buf, srcStart, srcEnd)) return false;
    this.pending = false;
    return true;
  }
}
