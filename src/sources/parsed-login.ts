import type { LoginEvent, Transport } from '../core/login-event.js';

export type { Transport };
import type { Stamp } from '../time/log-clock.js';

/**
 * A login as a parser found it. `localTime` and `source` are text only `events` (and tail's
 * checkpoint, for `localTime`) ever read, so they are made on demand rather than for every login.
 */
export class ParsedLogin implements LoginEvent {
  readonly time: number;
  readonly month: string;

  constructor(
    readonly stamp: Stamp,
    readonly host: string,
    readonly user: string,
    readonly ip: string | null,
    readonly resource: string | null,
    readonly label: string,
    readonly line: number,
    readonly transport: Transport = 'c2s',
    readonly proxyOnly = false,
  ) {
    this.time = stamp.time;
    this.month = stamp.month;
  }

  get localTime(): string {
    return this.stamp.localTime;
  }

  get source(): string {
    return `${this.label}:${this.line}`;
  }
}
