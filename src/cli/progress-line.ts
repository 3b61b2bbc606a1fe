import type { ReadProgress } from '../pipeline/login-source.js';

/** Redraws at most this often: a terminal line updated 4 times a second reads as live. */
export const REDRAW_MS = 250;
const ERASE = '\r\x1b[K';

/**
 * One self-updating line on a terminal while a run reads its logs: bytes read of the total
 * (compressed bytes for gzip inputs), MB/s, logins so far, time left. Drawn when reading advances,
 * at most every REDRAW_MS; erased before any other message (the Reporter asks) and at the end, so
 * nothing of it stays on the screen. Only ever made for a terminal (see Reporter.progressLine).
 */
export class ProgressLine implements ReadProgress {
  private total = 0;
  private read = 0;
  private logins = 0;
  private readonly started: number;
  private lastDraw = -Infinity;
  private shown = false;
  private ended = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  addTotal(bytes: number): void {
    this.total += bytes;
  }

  addRead(bytes: number): void {
    this.read += bytes;
    this.maybeDraw();
  }

  addLogins(count: number): void {
    this.logins += count;
    this.maybeDraw();
  }

  /** Takes the line off the screen (another message is about to be written); the next advance redraws it. */
  erase(): void {
    if (!this.shown) return;
    this.stream.write(ERASE);
    this.shown = false;
    this.lastDraw = -Infinity;
  }

  /** The run has read everything: the line goes, for good. */
  end(): void {
    this.erase();
    this.ended = true;
  }

  private maybeDraw(): void {
    if (this.ended) return;
    const now = this.clock();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const width = Math.max(20, (this.stream.columns || 80) - 1); // never wrap: a wrapped line cannot be erased
    this.stream.write(`${ERASE}${progressText(this.read, this.total, this.logins, (now - this.started) / 1000).slice(0, width)}`);
    this.shown = true;
  }
}

/** `reading 12.3 of 629.0 MB (2%), 45.1 MB/s, 1,234 logins, 0:13 left` (no total: no share, no time left). */
export function progressText(read: number, total: number, logins: number, seconds: number): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const rate = seconds > 0 ? read / seconds : 0;
  const parts = [total > 0 ? `reading ${mb(Math.min(read, total))} of ${mb(total)} MB (${Math.floor((Math.min(read, total) / total) * 100)}%)` : `reading ${mb(read)} MB`];
  parts.push(`${mb(rate)} MB/s`, `${logins.toLocaleString('en-US')} logins`);
  if (total > 0 && rate > 0) parts.push(`${clockText(Math.max(0, total - read) / rate)} left`);
  return parts.join(', ');
}

/** Seconds as m:ss, or h:mm:ss from an hour on. */
function clockText(seconds: number): string {
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
