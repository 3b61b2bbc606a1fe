/** How the client reached the server: a TCP stream, or a web client over BOSH or WebSocket. */
export type Transport = 'c2s' | 'bosh' | 'websocket';

/**
 * A login as every log format reports it: a session that bound a resource (or, in a log without
 * resources, a session that authenticated). Sources produce these; the core consumes them.
 */
export interface LoginEvent {
  /** Instant of the login, epoch milliseconds. Used for ordering several inputs. */
  readonly time: number;
  /** `YYYY-MM` of the login on the clock months are counted in (the server's wall clock by default). */
  readonly month: string;
  /** Normalised host (case-folded, NFKC). */
  readonly host: string;
  /** Normalised username, the node part of the JID (case-folded, NFKC). */
  readonly user: string;
  /** Peer address as logged, or null when the log does not say. */
  readonly ip: string | null;
  /** Normalised resource (NFKC), or null when the log does not say. */
  readonly resource: string | null;
  /** How the client connected; absent where the log format does not say (taken as `c2s`). */
  readonly transport?: Transport;
  /**
   * The session's only address was the reverse proxy's (a web session whose peer is non-routable):
   * `ip` is null, the place unknown.
   */
  readonly proxyOnly?: boolean;
  /** Where it came from, `file:line`, for debugging output only. */
  readonly source: string;
  /** The local time as the log wrote it, ISO 8601 with offset, for `events` output. */
  readonly localTime: string;
}
