import type { ContainerWrapper, WrappedEntry } from './container-wrapper.js';
import { parseRfc3339 } from './container-wrapper.js';
import { indexOfPair } from '../bytes.js';

const SPACE = 0x20;
const Z = 0x5a;
/**
 * `2026-12-06T00:02:46.460307950Z`: Docker and Podman print 9 fraction digits, kubectl trims
 * trailing zeros (Go's RFC3339Nano). At most 30 bytes.
 */
const STAMP_MAX = 30;
const HEAD = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z /;
const STAMP_AT_END = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;
/** A piece of a split line is stamped when the runtime received it: within this of the line's first. */
const PIECE_SKEW_MS = 10_000;

/**
 * `docker logs -t` / `podman logs -t` (and `kubectl logs --timestamps`): `<RFC 3339 UTC>Z <line>`.
 * The runtime prints each of its entries with its own timestamp, so a line it had cut into pieces (Docker at 16 KiB, conmon at its read boundaries) shows the next piece's timestamp in
 * its middle: such a timestamp (same shape, within seconds of the line's own) is cut out again.
 */
export const logsWithTimestamps: ContainerWrapper = {
  name: 'docker-logs',
  framing: '`docker logs -t` / `podman logs -t` (`2026-11-25T10:00:00.123456789Z …`)',
  unwrap(buf, start, end): WrappedEntry | null {
    const head = HEAD.exec(buf.toString('latin1', start, Math.min(end, start + STAMP_MAX + 1)));
    const time = head === null ? null : parseRfc3339(head[0]);
    if (time === null) return null;
    const text = withoutPieceStamps(buf, start + head![0].length, end, time.ms);
    return { timeMs: time.ms, stream: 'stdout', partial: false, ...text };
  },
};

/** The line without the timestamps of its later pieces (a copy only when there are some). */
function withoutPieceStamps(buf: Buffer, start: number, end: number, timeMs: number): { buf: Buffer; start: number; end: number } {
  const parts: Buffer[] = [];
  let from = start;
  for (let z = indexOfPair(buf, Z, SPACE, start, end); z >= 0; z = indexOfPair(buf, Z, SPACE, z + 2, end)) {
    const windowStart = Math.max(from, z + 1 - STAMP_MAX);
    const stamp = STAMP_AT_END.exec(buf.toString('latin1', windowStart, z + 1));
    const piece = stamp === null ? null : parseRfc3339(stamp[0]);
    if (piece === null || piece.ms < timeMs || piece.ms > timeMs + PIECE_SKEW_MS) continue;
    parts.push(buf.subarray(from, windowStart + stamp!.index));
    from = z + 2;
  }
  if (parts.length === 0) return { buf, start, end };
  parts.push(buf.subarray(from, end));
  const joined = Buffer.concat(parts);
  return { buf: joined, start: 0, end: joined.length };
}
