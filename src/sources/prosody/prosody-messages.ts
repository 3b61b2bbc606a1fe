import { ascii, HeldBytes, indexOfByte, isTrimmedByte, startsWithAt } from '../bytes.js';

/** The messages of Prosody's session handling that `ProsodySessions` and the line filters read, as bytes. */

export const C2S = ascii('c2s');
export const BOSH = ascii('bosh');
export const CONN = ascii('conn');
export const NEW_CONNECTION = ascii('New connection FD ');
export const CLOSING_NOW = ascii('Closing now');
export const WEBSOCKET_HANDSHAKE = ascii('Sending WebSocket handshake');
export const BOSH_CREATED = ascii('BOSH session created for request from ');
export const BOSH_DISCONNECTED = ascii('BOSH client disconnected');
export const DESTROYING_UNBOUND = ascii('Destroying unbound session');
export const CLIENT_CONNECTED = ascii('Client connected');
export const CLIENT_DISCONNECTED = ascii('Client disconnected');
export const AUTHENTICATED_AS = ascii('Authenticated as ');
export const SUCCESSFUL_AUTH = ascii('Successful authentication as ');
export const FROM_IP = ascii(' from IP: ');
export const RESOURCE_BOUND = ascii('Resource bound: ');

const MOD_BOSH = ascii('mod_bosh');
const HANDLING_REQUEST = ascii('Handling new request');
const STANZA_RECEIVED = ascii('BOSH stanza received');
const TRACEBACK = ascii('Traceback[');

/**
 * Whether Prosody may write lines of its own after this message that have no timestamp: mod_bosh
 * prints a bare `----------` after `Handling new request …` and an empty line after `BOSH stanza
 * received …` (the request body itself may span lines), and a `Traceback[…]` is followed by its stack.
 * Such lines, up to the next line with a timestamp, belong to the message: they are not unparsable.
 */
export function mayContinueUnstamped(buf: Buffer, srcStart: number, srcEnd: number, msgStart: number, msgEnd: number): boolean {
  if (startsWithAt(buf, msgStart, msgEnd, TRACEBACK)) return true;
  return (
    startsWithAt(buf, srcStart, srcEnd, MOD_BOSH) &&
    (startsWithAt(buf, msgStart, msgEnd, HANDLING_REQUEST) || startsWithAt(buf, msgStart, msgEnd, STANZA_RECEIVED))
  );
}

/**
 * The messages a c2s or (`bosh`) BOSH session acts on once a debug line has been seen: those that
 * open, give an address to, bind or close a session (dispatched on the first byte: most lines fail
 * there). Others (`Client sent …`, a c2s session's `Authenticated as`) change nothing then: an
 * authentication waits for its login only in a log without debug lines, and one still waiting
 * when the first debug line comes is never emitted (`emitAuthenticated`).
 */
export function isSessionEvent(buf: Buffer, start: number, end: number, bosh: boolean): boolean {
  switch (buf[start]) {
    case 0x52: // R
      return startsWithAt(buf, start, end, RESOURCE_BOUND);
    case 0x43: // C
      return startsWithAt(buf, start, end, CLIENT_CONNECTED) || startsWithAt(buf, start, end, CLIENT_DISCONNECTED);
    case 0x41: // A: opens a BOSH session not known yet (`boshMessage`)
      return bosh && startsWithAt(buf, start, end, AUTHENTICATED_AS);
    case 0x53: // S
      return startsWithAt(buf, start, end, SUCCESSFUL_AUTH) || startsWithAt(buf, start, end, WEBSOCKET_HANDSHAKE);
    case 0x42: // B
      return bosh && (startsWithAt(buf, start, end, BOSH_CREATED) || startsWithAt(buf, start, end, BOSH_DISCONNECTED));
    case 0x44: // D
      return bosh && startsWithAt(buf, start, end, DESTROYING_UNBOUND);
    default:
      return false;
  }
}

/**
 * `New connection FD 15 (127.0.1.10, 35489, 127.0.0.1, 5222) on server …`: holds `127.0.1.10`
 * (the latin1 text between `(` and `,`, trimmed as `String#trim` would); false if there is none.
 */
export function holdPeerOfNewConnection(peer: HeldBytes, buf: Buffer, msgStart: number, msgEnd: number): boolean {
  const open = indexOfByte(buf, 0x28, msgStart, msgEnd); // (
  let end = open < 0 ? -1 : indexOfByte(buf, 0x2c, open + 1, msgEnd); // ,
  if (end < 0) return false;
  let start = open + 1;
  while (start < end && isTrimmedByte(buf[start])) start++;
  while (end > start && isTrimmedByte(buf[end - 1])) end--;
  if (start === end) return false;
  peer.hold(buf, start, end);
  return true;
}
