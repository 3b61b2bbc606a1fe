/**
 * Every failure the user can meet has a named class and a one-line message that names the file
 * (or option) and the problem. The CLI maps the class to an exit code; nothing else prints stacks.
 */

/** Base class: `exitCode` 2 = usage or configuration error, 1 = runtime failure. */
export abstract class MonthlyVisitorsError extends Error {
  abstract readonly exitCode: 1 | 2;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad command-line option or option value. */
export class UsageError extends MonthlyVisitorsError {
  readonly exitCode = 2 as const;
}

/** Configuration that cannot be used: bad client pattern, bad country list, unreadable config. */
export class ConfigError extends MonthlyVisitorsError {
  readonly exitCode = 2 as const;
}

/** A Lua pattern that Lua itself would reject ("malformed pattern ..."). */
export class PatternError extends ConfigError {}

/** The GeoIP database is missing, unreadable or not a MaxMind DB. */
export class GeoIpError extends ConfigError {}

/** A log input that cannot be opened or read. */
export class InputError extends MonthlyVisitorsError {
  readonly exitCode = 2 as const;
}

/** A log that failed while being read (I/O error, corrupt gzip data): the run stops unwritten. */
export class InputReadError extends MonthlyVisitorsError {
  readonly exitCode = 1 as const;
}

/** A `.dat` file that is not a Lua table literal we can read, or has the wrong shape. */
export class StoreFormatError extends MonthlyVisitorsError {
  readonly exitCode = 1 as const;
}

/** The data dir cannot be read, written, locked or committed to. */
export class StoreIoError extends MonthlyVisitorsError {
  readonly exitCode = 1 as const;
}

/** Another process holds the data dir's lock. */
export class LockError extends MonthlyVisitorsError {
  readonly exitCode = 1 as const;
}

/** `tail`'s state file is unreadable or not ours: the run stops before reading or writing. */
export class StateFileError extends MonthlyVisitorsError {
  readonly exitCode = 1 as const;
}

/** An optional package a chosen feature needs (an SQL driver for `--storage sql`) is not installed. */
export class MissingPackageError extends ConfigError {}

/** SIGINT or SIGTERM stopped a run before its commit began: nothing was written. */
export class InterruptedError extends MonthlyVisitorsError {
  readonly exitCode = 1 as const;
}
