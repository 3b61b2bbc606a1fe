import type { LineParser, ParserContext, TimeOptions } from '../log-format.js';

/**
 * A server's own line format as found inside a container runtime's wrapping. `instantMs` is the
 * runtime's time of the line being parsed: the only time of lines that carry none (Prosody's
 * console sink); formats whose lines carry their own time ignore it.
 */
export interface InnerFormat {
  /** The server: `<name>-<wrapper>` names the format. */
  readonly name: string;
  /** What it is, for `--help` and `check`: `Prosody's console sink`. */
  readonly label: string;
  /** Does this sample of unwrapped lines look like this format? */
  detect(sample: readonly string[]): boolean;
  createParser(ctx: ParserContext, time: TimeOptions, instantMs: () => number): LineParser;
}
