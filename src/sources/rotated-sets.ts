import type { LogInput } from './log-input.js';

/**
 * logrotate's names for the pieces of one log: `prosody.log`, `prosody.log.1`, `prosody.log.2.gz`,
 * `prosody.log-20261101`, `prosody.log-20261101.gz`; Docker's json-file uses the numbered names
 * (`<id>-json.log.1`, `.2.gz`), kubelet dates its pieces to the second (`0.log.20261125-100000`,
 * `.gz`). Pieces of one log are read oldest first through one parser, so a session that spans a
 * rotation keeps its state; different logs (other servers, other nodes) are merged by time instead.
 */
const ROTATION_SUFFIX = /^(.*?)(?:\.(\d+)|-(\d{8}(?:\d{2})?)|\.(\d{8})-(\d{6}))?(?:\.gz)?$/;

interface Piece {
  readonly input: LogInput;
  readonly stem: string;
  /** Higher = older: `.2` is older than `.1`, which is older than the live file. */
  readonly age: number;
}

function pieceOf(input: LogInput): Piece {
  if (input.label === '-') return { input, stem: '-', age: 0 };
  return { input, ...rotationOf(input.label) };
}

/** The log a path is a piece of, and how old the piece is (higher = older; the live file is 0). */
export function rotationOf(path: string): { stem: string; age: number } {
  const [, stem, number, date, kubeletDay, kubeletTime] = ROTATION_SUFFIX.exec(path)!;
  // Dated pieces: older dates are older; the live (unsuffixed) file is the newest of all.
  const age =
    number !== undefined ? Number(number)
    : date !== undefined ? 1e12 - Number(date.padEnd(10, '0')) / 100
    : kubeletDay !== undefined ? 1e12 - Number(kubeletDay + kubeletTime) / 1e6
    : 0;
  return { stem, age };
}

/** The names in a directory's listing that are rotated pieces of the log `base`, newest first. */
export function rotatedNamesOf(base: string, names: readonly string[]): string[] {
  return names
    .filter((n) => n !== base && n.startsWith(base) && rotationOf(n).stem === base && rotationOf(n).age > 0)
    .sort((a, b) => rotationOf(a).age - rotationOf(b).age);
}

/** Groups inputs into logs, each log's pieces oldest first; logs keep the order of first mention. */
export function groupRotatedSets(inputs: readonly LogInput[]): LogInput[][] {
  const groups = new Map<string, Piece[]>();
  for (const piece of inputs.map(pieceOf)) {
    const group = groups.get(piece.stem);
    if (group) group.push(piece);
    else groups.set(piece.stem, [piece]);
  }
  return [...groups.values()].map((pieces) => pieces.sort((a, b) => b.age - a.age).map((p) => p.input));
}
