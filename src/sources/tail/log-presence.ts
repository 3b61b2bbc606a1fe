import { existsSync } from 'node:fs';
import { InputError } from '../../errors.js';
import type { TailState } from './checkpoint.js';

/**
 * A log `tail` has read before may be missing for a moment: logrotate renamed it and the server
 * has not reopened it yet. That is a note — for this long. A log missing longer than this (since
 * the first run that found it missing) is a warning that `--quiet` still prints, and `check` says so.
 */
export const MISSING_WARN_AFTER_MS = 60 * 60 * 1000;

/**
 * Logs `tail` never read (no checkpoint) must exist: a missing one is a typo in the command line,
 * not a rotation, and the run stops before reading or writing anything, as `backfill` does.
 */
export function requireKnownOrPresent(logs: readonly string[], state: TailState): void {
  for (const log of logs) {
    if (state.inputs[log] === undefined && !existsSync(log)) {
      throw new InputError(`${log}: no such file or directory, and no checkpoint of an earlier run names it: check the path`);
    }
  }
}

/** What to say about a log that is missing now: a note while it may be a rotation, then a warning. */
export function missingLogMessage(log: string, missingSinceMs: number, nowMs: number): { warning: boolean; message: string } {
  const minutes = Math.floor((nowMs - missingSinceMs) / 60_000);
  if (nowMs - missingSinceMs < MISSING_WARN_AFTER_MS) {
    return { warning: false, message: `${log}: not there (rotated, and the server has not reopened it yet?); waiting for it` };
  }
  return {
    warning: true,
    message: `${log}: missing for ${minutes} minutes (since ${new Date(missingSinceMs).toISOString()}); nothing of it is counted until the server writes it again — check the log path and the server's logging`,
  };
}

/**
 * A followed log's live file, missing or not at each poll: while missing, a note while it may be a
 * rotation the server has not caught up with, then a warning, once per process; the checkpoint
 * keeps `since`.
 */
export class MissingLog {
  private warned = false;

  /** `since`: when the live file was first found missing (epoch ms), while it is missing. */
  constructor(
    readonly log: string,
    public since: number | null,
  ) {}

  seen(missing: boolean, now: number, say: { notice(key: string, message: string): void; warn(message: string): void }): void {
    if (!missing) {
      this.since = null;
      this.warned = false;
      return;
    }
    this.since ??= now;
    const { warning, message } = missingLogMessage(this.log, this.since, now);
    if (!warning) say.notice(`missing:${this.log}`, message);
    else if (!this.warned) {
      this.warned = true;
      say.warn(message);
    }
  }
}

/** A log of the checkpoint that is not there now, for `check`. */
export interface VanishedLog {
  readonly log: string;
  /** When a `tail` run first found it missing, if one did. */
  readonly missingSince: string | null;
  /** Missing longer than MISSING_WARN_AFTER_MS: a run warns about it. */
  readonly warning: boolean;
  readonly message: string;
}

/** The logs a tail checkpoint names that do not exist now (`check`'s view of the next `tail`). */
export function vanishedLogs(state: TailState, nowMs: number = Date.now()): VanishedLog[] {
  const out: VanishedLog[] = [];
  for (const [log, cp] of Object.entries(state.inputs)) {
    if (existsSync(log)) continue;
    const since = cp.missingSince ?? null;
    const { warning, message } = missingLogMessage(log, since === null ? nowMs : Date.parse(since), nowMs);
    out.push({ log, missingSince: since, warning, message });
  }
  return out;
}
