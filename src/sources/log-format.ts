import type { LoginEvent } from '../core/login-event.js';
import type { TimeZone } from '../time/zone.js';
import type { Stamp } from '../time/log-clock.js';
import type { YearObserver } from '../time/year-inference.js';

/** What a parser reports to the run, besides login events. */
export interface ParserContext {
  /** Label of the input being read, for `source` fields and messages (the path, or `-`). */
  readonly label: string;
  emit(event: LoginEvent): void;
  /** A fact about the log the operator should know once per run (e.g. "no resources at info level"). */
  notice(key: string, message: string): void;
  /**
   * Set only when the run wants to know which times the logs cover (backfill's partial months).
   * Parsers call it for every line that has a timestamp, with a key that is cheap to compute and
   * the same for lines of one minute; `stamp` is called only when the key changes, so the hot path
   * decodes one timestamp per minute of log. A null stamp (unreadable time) is ignored.
   */
  lineTime?(minuteKey: number | string, stamp: () => Stamp | null): void;
  /**
   * Where the line being parsed begins, as a position that only grows over a run (incremental
   * runs use it to checkpoint before sessions still waiting for their login). Absent: 0.
   */
  position?(): number;
}

/** A number naming one minute of a wall clock, for `ParserContext.lineTime`. */
export function minuteKey(year: number, month: number, day: number, hour: number, minute: number): number {
  return (((year * 16 + month) * 32 + day) * 24 + hour) * 60 + minute;
}

/** How to turn a log's clock into instants and months (SPEC §5). */
export interface TimeOptions {
  /** Zone the log was written in. */
  readonly zone: TimeZone;
  /** Zone months are counted in; null = the log's own wall clock (what the module does). */
  readonly monthZone: TimeZone | null;
  /** `--year`: the year of the first line, for formats whose timestamps have none. */
  readonly firstYear?: number;
  /** Modification time of the input (null for stdin: no year can be inferred), for year inference. */
  readonly referenceMs: number | null;
  /** Told the first year of each file whose lines have no year (`--verbose` and `--json` name it). */
  readonly onYear?: YearObserver;
}

export interface ParserStats {
  lines: number;
  unparsable: number;
}

/** Parses one input, line by line, into login events. */
export interface LineParser {
  /** One line without its line terminator: `buf[start, end)`. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void;
  /**
   * The next piece of a rotated log follows (read through the same parser so sessions that span a
   * rotation keep their state). Line numbers restart; years are inferred from its own date.
   */
  nextFile(referenceMs: number | null): void;
  /** End of input: settle sessions that were waiting for a later line. */
  end(): void;
  /** The position (ParserContext.position) of the first line of the oldest session still waiting for its login. */
  pendingSince?(): number | undefined;
  /**
   * Formats with `rangeParser`: stitches what a worker's range parser found (its `result()`) onto
   * this parser, `lineBase` lines into the current piece. False, with nothing changed, when that
   * cannot be exact: the caller then passes the range's lines to `line` itself.
   */
  absorb?(result: unknown, lineBase: number): boolean;
  readonly stats: ParserStats;
}

/** A worker's parser of one byte range of a log (`LogFormat.rangeParser`): lines in, then one result to absorb. */
export interface RangeParser {
  readonly parser: LineParser;
  /** Plain data and typed arrays (it crosses threads). */
  result(): unknown;
  /** What the lines so far tell later ranges to assume of the lines before them (`rangeParser`'s `debugSeenBefore`). */
  assumption(): boolean;
}

/**
 * A cheap first pass over lines (`--jobs`): worker threads run it over byte ranges of a log and
 * hand only the lines it keeps, in order, to the format's parser on the main thread. It may keep
 * too much, never too little: a line it drops must be one the parser would only count — no state
 * change, no login, not unparsable, no year change, no new minute for `lineTime`. One filter sees
 * one range (or one whole piece) from its first line, knowing nothing of the lines before it.
 */
export interface LineFilter {
  keep(buf: Buffer, start: number, end: number): boolean;
}

export interface LogFormat {
  readonly name: string;
  readonly description: string;
  /** Does this sample of the input's first lines look like this format? */
  detect(sample: readonly string[]): boolean;
  createParser(ctx: ParserContext, time: TimeOptions): LineParser;
  /** Present when the format can be read in parallel (a worker builds it from `FORMATS` by name). */
  readonly lineFilter?: () => LineFilter;
  /**
   * Present when a worker can parse a byte range of the log on its own, for the main thread's
   * parser to `absorb` in order. `debugSeenBefore`: what to assume of the lines before the range,
   * for Prosody whether a debug line came (from the log's first chunk, `assumption`; a wrong guess
   * costs a re-read on the main thread, never a wrong count); `coverage`: report the
   * times of lines (`ParserContext.lineTime`).
   */
  readonly rangeParser?: (label: string, debugSeenBefore: boolean, coverage: boolean) => RangeParser;
}
