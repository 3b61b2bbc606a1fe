/**
 * Sessions a parser keeps while they wait for a later line (their bind, their IP), oldest first.
 * Each remembers where in the input it began, so an incremental run can checkpoint a position
 * before the oldest session still waiting and rebuild it by re-reading (SPEC §6: re-reading a
 * line is harmless). The table is capped: past the cap the oldest session is dropped, so a flood
 * of connections that never log in cannot exhaust memory.
 */
/** A session's id as a Map key: its text, or a number that stands for it (`hexIdKey`). */
export type SessionKey = string | number;

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
