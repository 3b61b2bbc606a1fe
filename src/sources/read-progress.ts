/**
 * What a run's reading tells whoever shows its progress (the CLI's terminal line). Sources call
 * it as they read; it must be cheap (called once per chunk, not per line) and never fail.
 */
export interface ReadProgress {
  /** Bytes this run is going to read, as stored on disk (a gzip file by its compressed size). */
  addTotal(bytes: number): void;
  /** Bytes read from disk since the last call (compressed bytes for gzip). */
  addRead(bytes: number): void;
  /** Logins found since the last call. */
  addLogins(count: number): void;
}
