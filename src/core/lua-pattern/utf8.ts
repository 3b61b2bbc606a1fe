/**
 * Strings in, bytes out and back: Lua patterns work on bytes, so subjects and patterns are
 * matched as their UTF-8 encoding (lone surrogates become U+FFFD, as with Buffer.from).
 */

import { Buffer, isUtf8 } from 'node:buffer';

const encoder = new TextEncoder();

/** Reused buffer for subjects, so that `test` does not allocate per call. */
let scratch = Buffer.alloc(1024);

/**
 * Encodes `text` as UTF-8 into a shared scratch buffer and returns its byte length. The buffer
 * (`scratchBuffer()`) stays valid until the next call; matching is synchronous, so callers are
 * never interleaved.
 */
export function encodeToScratch(text: string): number {
  // At most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > scratch.length) {
    scratch = Buffer.alloc(Math.max(text.length * 3, scratch.length * 2));
  }
  // Fast path for ASCII, the common case for XMPP resources.
  const n = text.length;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) break;
    scratch[i] = c;
  }
  if (i === n) return n;
  const { written } = encoder.encodeInto(text.slice(i), scratch.subarray(i));
  return i + written;
}

export function scratchBuffer(): Buffer {
  return scratch;
}

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * A captured byte range as a JS string: decoded as UTF-8 when the bytes are valid UTF-8, else
 * as latin1 (one char per byte, so nothing is lost). A capture can be invalid UTF-8 even for a
 * valid subject, e.g. `(.)` on "é" captures the byte 0xC3 alone, which yields "\u00c3".
 */
export function decodeCapture(buf: Buffer, start: number, end: number): string {
  const bytes = buf.subarray(start, end);
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}
