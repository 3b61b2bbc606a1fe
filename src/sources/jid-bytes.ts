import { normalizeName, normalizeResource } from '../core/normalize.js';

/**
 * The parts of a JID read straight from a line's UTF-8 bytes, without decoding the whole JID and
 * slicing it. `@` and `/` are ASCII, which UTF-8 never uses inside a multi-byte character and its
 * decoder never swallows, so each part decodes exactly as it would within the JID's text; a part in
 * plain ASCII skips the decoder and the normalisation (the common case).
 */

/** `normalizeName` of the UTF-8 text `buf[start…end)`. */
export function nameAt(buf: Buffer, start: number, end: number): string {
  let upper = false;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < 0x21 || c > 0x7e) return normalizeName(buf.toString('utf8', start, end));
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  // Printable ASCII: NFKC leaves it as it is and nothing in it maps to nothing; only case folds.
  const text = buf.toString('latin1', start, end);
  return upper ? text.toLowerCase() : text;
}

/** `normalizeResource` of the UTF-8 text `buf[start…end)`. */
export function resourceAt(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < 0x20 || c > 0x7e) return normalizeResource(buf.toString('utf8', start, end));
  }
  return buf.toString('latin1', start, end);
}
