import { InterruptedError } from '../errors.js';

export const NOTHING_WRITTEN = 'interrupted: nothing was written';

/**
 * SIGINT/SIGTERM during a run that commits once at the end (backfill): before the commit begins,
 * the run stops at the next chunk of the logs with "interrupted: nothing was written" (exit 1),
 * and the caller's `finally` releases the lock; a second signal stops it at once, the same way.
 * Once the commit has begun, a signal waits for it (a commit runs without yielding to the event
 * loop) and the run ends as if none had come: exit 0, everything written.
 *
 * The handlers are installed once the data dir is locked (waiting for a lock blocks the thread, and
 * a signal must still end it then, the default way) and stay until the process exits.
 */
export class Interruption {
  private signal: NodeJS.Signals | undefined;
  private committing = false;

  constructor() {
    const on = (signal: NodeJS.Signals) => {
      if (this.committing) return;
      if (this.signal !== undefined) {
        process.stderr.write(`monthly-visitors: ${NOTHING_WRITTEN}\n`);
        process.exit(1); // the lock goes with the process ('exit' listener)
      }
      this.signal = signal;
    };
    process.on('SIGINT', on).on('SIGTERM', on);
  }

  /** Throws InterruptedError when a signal came; call only while nothing has been written. */
  check(): void {
    if (this.signal !== undefined && !this.committing) throw new InterruptedError(NOTHING_WRITTEN);
  }

  /** The last check: from here on the commit runs, and a signal lets it finish. */
  commitBegins(): void {
    this.check();
    this.committing = true;
  }
}
