/** One entry a container runtime wrote for a line (or a piece of one) the program printed. */
export interface WrappedEntry {
  /** The runtime's timestamp of the entry: an instant (ms since the epoch). */
  readonly timeMs: number;
  /** `stdout` or `stderr`: pieces of one line are joined within their stream only. */
  readonly stream: string;
  /** The text, without the runtime's line terminator: `buf[start, end)`. */
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** The line goes on in the stream's next entry (Docker's 16 KiB cut, CRI's `P`). */
  readonly partial: boolean;
}

/**
 * How one container runtime frames the lines a program prints (one file per runtime format in
 * this folder). It only unwraps: what the lines say is the inner format's business.
 */
export interface ContainerWrapper {
  /** Part of the format's name: `prosody-<name>`. */
  readonly name: string;
  /** What the framing looks like, for `--help` and `check`. */
  readonly framing: string;
  /** The entry of one physical line of the file, or null when the line is not such an entry. */
  unwrap(buf: Buffer, start: number, end: number): WrappedEntry | null;
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)/;

/**
 * An RFC 3339 timestamp at the start of `text` as the runtimes write it (`…T00:02:46.46030795Z`,
 * `…T00:03:35.658682205+00:00`): the instant in ms and the timestamp's length, or null.
 */
export function parseRfc3339(text: string): { ms: number; length: number } | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return { ms: Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), ms) - offset, length: m[0].length };
}
