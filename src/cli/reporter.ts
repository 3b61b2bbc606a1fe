import type { Warning } from '../warnings.js';
import { ProgressLine } from './progress-line.js';

/** How much the run says on stderr. Quiet is for cron: only warnings and errors. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * Everything the CLI tells the operator goes through here: one place that knows about --quiet,
 * --verbose, NO_COLOR and whether stderr is a terminal.
 */
export class Reporter {
  private readonly seenNotices = new Set<string>();
  private readonly color: boolean;
  private line: ProgressLine | null = null;

  constructor(
    readonly verbosity: Verbosity,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.color = Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  }

  get isTty(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /**
   * A progress line for a run's reading, or undefined where it must not appear: stderr not a
   * terminal (a pipe, a file, cron, journald), --quiet, --json, TERM=dumb (no cursor control to
   * redraw with), or `stdoutBusy` (the run writes to stdout as it reads, and stdout is this
   * terminal too). NO_COLOR needs nothing: the line has no colour.
   */
  progressLine(opts: { json?: boolean; stdoutBusy?: boolean } = {}): ProgressLine | undefined {
    if (!this.isTty || this.verbosity === 'quiet' || opts.json || process.env.TERM === 'dumb') return undefined;
    if (opts.stdoutBusy && process.stdout.isTTY) return undefined;
    this.line = new ProgressLine(this.stream);
    return this.line;
  }

  /** A fact worth knowing once per run. */
  notice(key: string, message: string): void {
    if (this.seenNotices.has(key)) return;
    this.seenNotices.add(key);
    if (this.verbosity !== 'quiet') this.write(`note: ${message}`, 36);
  }

  warn(message: string): void {
    this.write(`warning: ${message}`, 33);
  }

  /** A coded warning (preflight checks): printed as any warning; `check --json` also lists it. */
  readonly warning = (w: Warning): void => {
    this.warn(w.message);
  };

  /** What a long wait is about, only to a person at a terminal (not to a log or cron mail). */
  onTerminal(message: string): void {
    if (this.isTty && this.verbosity !== 'quiet') this.write(message);
  }

  /** For `--wait`: names the process the run waits for, on a terminal. */
  readonly waiting = (holderPid: number | undefined): void => {
    this.onTerminal(`waiting for ${holderPid === undefined ? 'the run' : `pid ${holderPid}`} that holds the data dir`);
  };

  info(message: string): void {
    if (this.verbosity !== 'quiet') this.write(message);
  }

  verbose(message: string): void {
    if (this.verbosity === 'verbose') this.write(message);
  }

  error(message: string): void {
    this.write(`monthly-visitors: ${message}`, 31);
  }

  private write(text: string, colorCode?: number): void {
    this.line?.erase();
    const clean = stripControl(text);
    this.stream.write(this.color && colorCode ? `\x1b[${colorCode}m${clean}\x1b[0m\n` : `${clean}\n`);
  }
}

/**
 * What must not reach a terminal raw: C0 controls but newline, DEL, C1 controls (U+009B is CSI in
 * 8-bit terminals), bidi embeddings, overrides, isolates and marks (they reorder what is shown) and
 * Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex
export const TERMINAL_UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\uXXXX` for one character: readable, and inert on a terminal and in JSON. */
export function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text from logs must never drive the terminal: replace control characters (but keep newlines). */
export function stripControl(text: string): string {
  return text.replace(TERMINAL_UNSAFE, escapeChar);
}
