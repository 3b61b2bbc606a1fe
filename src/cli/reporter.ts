/** How much the run says on stderr. Quiet is for cron: only warnings and errors. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * Everything the CLI tells the operator goes through here: one place that knows about --quiet,
 * --verbose, NO_COLOR and whether stderr is a terminal.
 */
export class Reporter {
  private readonly seenNotices = new Set<string>();
  private readonly color: boolean;

  constructor(
    readonly verbosity: Verbosity,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.color = Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  }

  get isTty(): boolean {
    return Boolean(this.stream.isTTY);
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
    const clean = stripControl(text);
    this.stream.write(this.color && colorCode ? `\x1b[${colorCode}m${clean}\x1b[0m\n` : `${clean}\n`);
  }
}

/** Text from logs must never drive the terminal: replace control characters (but keep newlines). */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
