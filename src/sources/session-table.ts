import { indexOfByte } from './bytes.js';

/** A session's id as a Map key: its text, or a number that stands for it (`hexIdKey`). */
export type SessionKey = string | number;

/**
 * A Map key for the id `buf[start…end)` that, in the common case, makes no string: when the bytes
 * after its `prefix`-byte head (`c2s` of Prosody's `c2s55d2451c4270`) are 1–12 lower-case hex
 * digits, a number no other byte string maps to (their value × 16 + their count, below 2^53);
 * otherwise the id's latin1 text. A number never equals a string as a Map key.
 */
export function hexIdKey(buf: Buffer, start: number, end: number, prefix: number): SessionKey {
  const count = end - start - prefix;
  if (count >= 1 && count <= 12) {
    let value = 0;
    let i = start + prefix;
    for (; i < end; i++) {
      const c = buf[i];
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (i === end) return value * 16 + count;
  }
  return buf.toString('latin1', start, end);
}

/**
 * A pid `buf[start…end)` as a Map key: a local pid `<0.B.C>` (decimals without leading zeros,
 * B < 2^32, C < 2^16) as the number B × 2^16 + C, which no other pid maps to; any other as its
 * text (a number never equals a string as a key). No string per session line.
 */
export function pidKey(buf: Buffer, start: number, end: number): SessionKey {
  if (end - start >= 7 && buf[start] === 0x3c && buf[start + 1] === 0x30 && buf[start + 2] === 0x2e && buf[end - 1] === 0x3e) {
    const dot = indexOfByte(buf, 0x2e, start + 3, end);
    const b = dot < 0 ? -1 : decimalAt(buf, start + 3, dot);
    const c = b < 0 || b >= 2 ** 32 ? -1 : decimalAt(buf, dot + 1, end - 1);
    if (c >= 0 && c < 2 ** 16) return b * 2 ** 16 + c;
  }
  return buf.toString('latin1', start, end);
}

/** The decimal `buf[start…end)` (1–10 digits, no leading zero but for `0` itself), or -1. */
function decimalAt(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > 10 || (n > 1 && buf[start] === 0x30)) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/**
 * Sessions a parser keeps while they wait for a later line (their bind, their IP), oldest first.
 * Each remembers where in the input it began, so an incremental run can checkpoint a position
 * before the oldest session still waiting and rebuild it by re-reading (SPEC §6: re-reading a
 * line is harmless). The table is capped: past the cap the oldest session is dropped, so a flood
 * of connections that never log in cannot exhaust memory.
 */
export class SessionTable<V> {
  private readonly sessions = new Map<SessionKey, { value: V; since: number }>();

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: SessionKey): V | undefined {
    return this.sessions.get(id)?.value;
  }

  /** A new session (a reused id starts afresh, at the young end of the age order). */
  open(id: SessionKey, value: V, since: number): void {
    this.sessions.delete(id);
    if (this.sessions.size >= this.cap) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(id, { value, since });
  }

  /** Updates a session's value, or opens it at `since` if it is not known yet. */
  update(id: SessionKey, value: V, since: number): void {
    const entry = this.sessions.get(id);
    if (entry) entry.value = value;
    else this.open(id, value, since);
  }

  delete(id: SessionKey): void {
    this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }

  /** Puts the sessions in the order `compare` gives (the age order, after sessions came from elsewhere). */
  reorder(compare: (a: V, b: V) => number): void {
    const all = [...this.sessions].sort(([, a], [, b]) => compare(a.value, b.value));
    this.sessions.clear();
    for (const [id, entry] of all) this.sessions.set(id, entry);
  }

  entries(): IterableIterator<[SessionKey, { value: V; since: number }]> {
    return this.sessions.entries();
  }

  /** Where the oldest waiting session began; undefined when none waits. */
  oldestSince(): number | undefined {
    let oldest: number | undefined;
    // Insertion order is age order, except that positions restart per run: take the minimum.
    for (const { since } of this.sessions.values()) if (oldest === undefined || since < oldest) oldest = since;
    return oldest;
  }
}
