import type { LoginEvent, Transport } from '../../core/login-event.js';
import { ParsedLogin } from '../parsed-login.js';
import { stampFromParts, stampParts, type Stamp } from '../../time/log-clock.js';
import type { TimeZone } from '../../time/zone.js';

/**
 * A batch of logins as columns, to cross from the thread that parsed them to the one that counts
 * them: numbers in typed arrays (moved, not copied), text in arrays of strings. Everything a
 * `ParsedLogin` holds goes across, so the login that arrives is the one that was parsed.
 */
export interface LoginColumns {
  readonly count: number;
  /** Per login: time, then the wall clock (year, month, day, hour, minute, second, ms), then the offset. */
  readonly numbers: Float64Array;
  /** Per login: line number, and 0 = zoned stamp, 1 = stamp with its own offset, 2 = text stamp. */
  readonly ints: Int32Array;
  /** Per login: transport (0 c2s, 1 bosh, 2 websocket) + 4 if proxy-only. */
  readonly flags: Uint8Array;
  readonly months: string[];
  readonly hosts: string[];
  readonly users: string[];
  readonly ips: (string | null)[];
  readonly resources: (string | null)[];
  readonly labels: string[];
  /** Only for stamps not made by a LogClock (none today): their local time as text. */
  readonly localTimes: (string | null)[];
}

const NUMBERS = 9;
const TRANSPORTS: readonly Transport[] = ['c2s', 'bosh', 'websocket'];

export function toColumns(events: readonly LoginEvent[]): LoginColumns {
  const n = events.length;
  const numbers = new Float64Array(n * NUMBERS);
  const ints = new Int32Array(n * 2);
  const flags = new Uint8Array(n);
  const months: string[] = new Array(n);
  const hosts: string[] = new Array(n);
  const users: string[] = new Array(n);
  const ips: (string | null)[] = new Array(n);
  const resources: (string | null)[] = new Array(n);
  const labels: string[] = new Array(n);
  const localTimes: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = events[i] as ParsedLogin;
    if (!(e instanceof ParsedLogin)) throw new Error('only parsed logins cross threads');
    const parts = stampParts(e.stamp);
    const at = i * NUMBERS;
    numbers[at] = e.time;
    if (parts !== null) {
      for (let k = 0; k < 7; k++) numbers[at + 1 + k] = parts.wall[k];
      numbers[at + 8] = parts.offsetMs;
      ints[i * 2 + 1] = parts.zoned ? 0 : 1;
      localTimes[i] = null;
    } else {
      ints[i * 2 + 1] = 2;
      localTimes[i] = e.localTime;
    }
    ints[i * 2] = e.line;
    flags[i] = TRANSPORTS.indexOf(e.transport) + (e.proxyOnly ? 4 : 0);
    months[i] = e.month;
    hosts[i] = e.host;
    users[i] = e.user;
    ips[i] = e.ip;
    resources[i] = e.resource;
    labels[i] = e.label;
  }
  return { count: n, numbers, ints, flags, months, hosts, users, ips, resources, labels, localTimes };
}

/** The logins again, stamped in the run's `zone` (the one the parsing thread was given). */
export function fromColumns(c: LoginColumns, zone: TimeZone): ParsedLogin[] {
  const out: ParsedLogin[] = new Array(c.count);
  const { numbers, ints } = c;
  for (let i = 0; i < c.count; i++) {
    const at = i * NUMBERS;
    const kind = ints[i * 2 + 1];
    const stamp: Stamp =
      kind === 2
        ? { time: numbers[at], month: c.months[i], localTime: c.localTimes[i]! }
        : stampFromParts(
            {
              time: numbers[at],
              month: c.months[i],
              wall: [numbers[at + 1], numbers[at + 2], numbers[at + 3], numbers[at + 4], numbers[at + 5], numbers[at + 6], numbers[at + 7]],
              zoned: kind === 0,
              offsetMs: numbers[at + 8],
            },
            zone,
          );
    const flags = c.flags[i];
    out[i] = new ParsedLogin(stamp, c.hosts[i], c.users[i], c.ips[i], c.resources[i], c.labels[i], ints[i * 2], TRANSPORTS[flags & 3], (flags & 4) !== 0);
  }
  return out;
}
