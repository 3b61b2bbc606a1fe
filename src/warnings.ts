/**
 * A warning: something a run does that may not be what the operator wants, said even under -q.
 * `check --json` lists them with their code, which is stable: scripts may test for it.
 */
export type WarningCode =
  /** Prosody loads mod_monthly_visitors itself on a host this tool also counts: logins counted twice. */
  | 'module-loaded-too'
  /** Two client patterns of different categories match one resource. */
  | 'client-patterns-overlap'
  /** A log the configuration names does not exist. */
  | 'log-missing'
  /** A log the tail checkpoint names has been gone for more than an hour (rotated, never re-created?). */
  | 'log-vanished'
  /** A node of a cluster sharing the SQL store has not moved its watermark for --node-timeout. */
  | 'node-stalled'
  /** Web (BOSH/WebSocket) logins whose address the GeoIP database cannot place: a proxy's, not trusted? */
  | 'web-logins-unplaced'
  /** Web logins counted with place ?-?-? because their only address is the reverse proxy's. */
  | 'web-logins-proxy-only'
  /** A GeoIP Country database: every geo key is CC-?-?. */
  | 'geoip-country-database'
  /** A GeoIP database older than MaxMind's update interval allows. */
  | 'geoip-database-old'
  /** --record-country without a GeoIP database: no login has a country. */
  | 'record-country-without-geoip'
  /** The data dir does not exist: the run creates it. */
  | 'data-dir-created'
  /** A run was interrupted during its commit: the next run completes it. */
  | 'interrupted-commit'
  /** A log's lines have no year and its file date says an earlier year. */
  | 'year-inferred'
  /** Lines of a log were not in its format: counted and skipped. */
  | 'unparsable-lines';

export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
}

/** Where a check sends its warnings: the run prints them; `check` also lists them in --json. */
export type WarningSink = (warning: Warning) => void;
