import { Tail } from 'tail';

/**
 * Wakes the follower when a log grows, via the `tail` package (fs.watch, following renames).
 * Only as a signal: `tail` keeps its position in memory and can lose lines around a rotation
 * (SPEC §6), so what to read is always decided from our own cursor. The follower also polls on
 * a timer, which covers a log missing for a while (rotated, not reopened yet) and watchers that
 * miss an event.
 */
export class ChangeWatcher {
  private tail: Tail | null = null;

  constructor(
    private readonly path: string,
    private readonly onChange: () => void,
  ) {
    this.ensure();
  }

  /** (Re)starts watching if the log exists and is not watched yet; called on every poll. */
  ensure(): void {
    if (this.tail !== null) return;
    try {
      const tail = new Tail(this.path, { follow: true, fromBeginning: false, flushAtEOF: false, logger: quietLogger });
      tail.on('line', () => this.onChange());
      tail.on('error', () => {
        this.close(); // gone (rotated, deleted): the next poll re-creates the watch
      });
      this.tail = tail;
    } catch {
      this.tail = null; // not there yet: polling continues
    }
  }

  close(): void {
    try {
      this.tail?.unwatch();
    } catch {
      // already unwatched
    }
    this.tail = null;
  }
}

const quietLogger = { info: () => {}, error: () => {} };
