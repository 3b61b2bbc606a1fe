import { countLogin, emptyLoginCounts, type LoginCounts } from '../login-counts.js';
import type { LoginEvent } from '../../core/login-event.js';
import type { LineParser, LogFormat, ParserContext, TimeOptions } from '../log-format.js';
import { detectFormatOfChunk } from '../formats.js';
import { LineSplitter } from '../line-splitter.js';
import type { ReadProgress } from '../read-progress.js';
import type { InputCheckpoint } from './checkpoint.js';
import { fingerprintMatches, identityOf, sameInode, type FileIdentity } from './file-identity.js';
import { planReads, type Cursor, type PlannedPiece } from './read-plan.js';
import { MissingLog } from './log-presence.js';
import { liveEnd, readFrom } from './piece-bytes.js';
import { HOLD_BACK_BYTES, ReadPieces, type ReadPiece } from './read-pieces.js';
import { workerBatches, type PieceBatches, type TailWorkers } from './worker-reads.js';
import { nextPart, replayKept } from '../parallel/kept-collector.js';

export interface TailReaderOptions {
  /** The format given by the operator; null = the checkpoint's, or detected. */
  readonly format: LogFormat | null;
  /** Finds the format a checkpoint names. */
  readonly formatNamed: (name: string) => LogFormat;
  readonly time: Omit<TimeOptions, 'referenceMs'>;
  readonly notice: (key: string, message: string) => void;
  readonly warn: (message: string) => void;
  /** Without a checkpoint: start at the end of what the log holds now. */
  readonly fromEnd: boolean;
  /**
   * A login this says yes to is not counted yet (a cluster's month barrier): the reader stops
   * there, and its checkpoint points before that login's line, so a later reader counts it.
   */
  readonly hold?: (event: LoginEvent) => boolean;
  /** Told what each poll is going to read, what it read and the logins found (a progress display). */
  readonly progress?: ReadProgress;
  /** The clock (epoch ms) for how long a log has been missing; default Date.now. */
  readonly now?: () => number;
  /** Worker threads for a large catch-up (`--jobs`); absent: this thread reads everything. */
  readonly workers?: TailWorkers;
}

/** Where a reader stopped for a held login: the login's time and month, and the checkpoint before it. */
export interface HeldLogin {
  readonly time: number;
  readonly month: string;
  readonly checkpoint: InputCheckpoint;
}

export interface TailReaderStats extends LoginCounts {
  lines: number;
  unparsable: number;
  /** Log bytes read (decompressed). */
  bytes: number;
  /** Logins on lines a previous run already committed (re-read to rebuild waiting sessions). */
  replayed: number;
}

/** How far into its piece the parser is: the line splitter's count, or where a worker's kept line began. */
interface Consumed {
  readonly consumedBytes: number;
}


/**
 * One log followed across runs and rotations (SPEC §6). Each `poll` reads what the log gained
 * since the last one, through one parser that lives as long as the reader, so a session that
 * spans two polls or a rotation keeps its state; `checkpoint` says where a later process must
 * start to rebuild the sessions still waiting, and which lines it must not count again.
 */
export class TailReader {
  readonly stats: TailReaderStats = { lines: 0, unparsable: 0, bytes: 0, ...emptyLoginCounts(), replayed: 0 };
  private parser: LineParser | null = null;
  private format: LogFormat | null;
  /** Where the next poll starts. */
  private cursor: Cursor | null = null;
  /** Where processing ended, when a restart resumes before it (a no-op check needs it). */
  private processed: Cursor | undefined;
  /** Files (and up to where) whose logins an earlier run committed: re-read, not counted. */
  private replay: Array<{ file: FileIdentity; until: number }> = [];
  private lastTime: string | null;
  private started = false;
  private nextBase = 0;
  private readonly read = new ReadPieces();
  private batch: LoginEvent[] = [];
  private lastFile: FileIdentity | null = null;
  /** Set once a login is held: this reader reads no further (a new reader resumes from its checkpoint). */
  private heldLogin: HeldLogin | null = null;
  private readonly missing: MissingLog;
  /** The checkpoint this process started from, and the cursor made of it (until it moves). */
  private readonly saved: InputCheckpoint | undefined;
  private readonly savedCursor: Cursor | null;

  constructor(
    readonly path: string,
    saved: InputCheckpoint | undefined,
    private readonly options: TailReaderOptions,
  ) {
    this.format = options.format ?? (saved?.format ? options.formatNamed(saved.format) : null);
    this.lastTime = saved?.lastTime ?? null;
    this.missing = new MissingLog(path, saved?.missingSince !== undefined ? Date.parse(saved.missingSince) : null);
    this.saved = saved;
    if (saved) {
      this.processed = { file: saved.file, offset: saved.processedTo, processedTo: saved.processedTo };
      this.cursor = saved.resumeFile
        ? { file: saved.resumeFile, offset: saved.resumeAt, processedTo: saved.resumeAt }
        : { file: saved.file, offset: saved.resumeAt, processedTo: saved.processedTo };
      this.replay = [{ file: saved.file, until: saved.processedTo }];
      if (saved.resumeFile) this.replay.push({ file: saved.resumeFile, until: Number.MAX_SAFE_INTEGER });
    }
    this.savedCursor = this.cursor;
  }

  /**
   * Reads everything available now, one batch of logins per chunk. Stops early (at a chunk's
   * end) when `stopping()` says so; the checkpoint then covers exactly what was yielded.
   */
  async *poll(stop: () => boolean = () => false): AsyncGenerator<LoginEvent[]> {
    const stopping = () => this.heldLogin !== null || stop();
    if (this.heldLogin !== null) return;
    if (!this.started) {
      this.started = true;
      if (this.cursor === null && this.options.fromEnd) {
        await this.skipToEnd();
        return;
      }
    }
    const plan = await planReads(this.path, this.cursor, this.processed);
    this.processed = undefined;
    for (const w of plan.warnings) this.options.warn(w);
    // A gzip piece is read from its start (its offsets are decompressed ones): all of it, on disk.
    this.options.progress?.addTotal(plan.pieces.reduce((n, p) => n + (p.opened.gzip ? p.opened.size : Math.max(0, p.opened.size - p.start)), 0));
    for (const n of plan.notes) this.options.notice(n, n);
    this.missing.seen(plan.liveMissing, this.options.now?.() ?? Date.now(), this.options);
    const batches = await workerBatches(this.path, plan.pieces, this.format, this.options.workers, (label, first) => (this.format = detectFormatOfChunk(label, first)));
    for (const [i, piece] of plan.pieces.entries()) {
      const read = yield* batches === null ? this.readPiece(piece, stopping) : this.readPieceBatches(piece, batches, i, stopping);
      // A piece renamed, deleted or rewritten since the plan: reading the pieces after it would
      // move the cursor past lines not read. The next poll plans again from the cursor.
      if (read === 'moved' || stopping()) return;
    }
  }

  /** Where a new process must start reading, and up to where the logins are committed. */
  checkpoint(): InputCheckpoint | null {
    if (this.heldLogin !== null) return this.heldLogin.checkpoint;
    if (this.cursor === null) return null;
    // Nothing read yet (a cron run with nothing new): where to resume is still where it was, and
    // a session still waiting for its login keeps the place it began.
    if (this.cursor === this.savedCursor && this.saved !== undefined) {
      const { missingSince: _, ...saved } = this.saved;
      return this.missing.since !== null ? { ...saved, missingSince: new Date(this.missing.since).toISOString() } : saved;
    }
    const processed = this.cursor;
    const pending = this.parser?.pendingSince?.();
    const base = {
      file: processed.file,
      processedTo: processed.processedTo,
      format: this.format?.name ?? null,
      lastTime: this.lastTime,
      ...(this.missing.since !== null ? { missingSince: new Date(this.missing.since).toISOString() } : {}),
    };
    const at = pending !== undefined && pending >= this.read.end - HOLD_BACK_BYTES ? this.read.resumePoint(pending, processed.file) : null;
    if (at !== null) {
      // In a piece rotated away since (resumeFile), the session's first line; else not past what was processed.
      return at.resumeFile ? { ...base, ...at } : { ...base, resumeAt: Math.min(at.resumeAt, processed.processedTo) };
    }
    return { ...base, resumeAt: processed.processedTo };
  }

  /** The login this reader stopped at, if `hold` said so. */
  get held(): HeldLogin | null {
    return this.heldLogin;
  }

  /**
   * Stops before the line at `lineStart` (a position; `offset` in `file`): processed up to there,
   * resuming where the oldest session still waiting then began — the held login's own included.
   */
  private holdAt(event: LoginEvent, file: FileIdentity, offset: number, lineStart: number): void {
    const base = { file, processedTo: offset, format: this.format?.name ?? null, lastTime: this.lastTime };
    let checkpoint: InputCheckpoint = { ...base, resumeAt: offset };
    const pending = this.parser?.pendingSince?.();
    if (pending !== undefined && pending < lineStart && pending >= lineStart - HOLD_BACK_BYTES) {
      const at = this.read.resumePoint(pending, file);
      if (at !== null) checkpoint = { ...base, ...at };
    }
    this.heldLogin = { time: event.time, month: event.month, checkpoint };
  }

  private async skipToEnd(): Promise<void> {
    const live = await liveEnd(this.path);
    if (live === null) return; // not there yet: the first run that finds it starts at its end then
    // The checkpoint names the format, and a later run starts mid-file: judge it now, from the head.
    if (this.format === null && live.end > 0) this.format = detectFormatOfChunk(this.path, live.opened.head);
    // Set even for an empty log, so that what is appended later counts (--from-end acts once).
    this.cursor = { file: identityOf(live.opened), offset: live.end, processedTo: live.end };
  }

  private async *readPiece(piece: PlannedPiece, stopping: () => boolean): AsyncGenerator<LoginEvent[], 'read' | 'moved'> {
    const file = identityOf(piece.opened);
    const record: ReadPiece = { file, base: this.nextBase, start: piece.start, consumed: 0 };
    let splitter: LineSplitter | null = null;
    const status = { moved: false };
    const progress = this.options.progress;
    for await (const chunk of readFrom(piece, status, progress && ((bytes) => progress.addRead(bytes)))) {
      // A log's first line still being written: the format is judged once it is complete.
      if (this.format === null && piece.live && chunk.indexOf(0x0a) < 0) return 'read';
      this.stats.bytes += chunk.length;
      if (splitter === null) splitter = this.splitterFor(piece, file, chunk, record);
      splitter.push(chunk);
      this.advance(record, file, piece.start, splitter.consumedBytes);
      yield this.takeBatch();
      if (stopping()) return 'read';
    }
    if (status.moved) return 'moved';
    if (splitter !== null && !piece.live && this.heldLogin === null) {
      // A rotated piece is complete: its last line counts even without a newline.
      splitter.flush();
      this.advance(record, file, piece.start, splitter.consumedBytes);
      yield this.takeBatch();
    }
    if (splitter === null && this.cursor !== null && !piece.live) {
      this.advance(record, file, piece.start, 0); // an empty rest: the cursor moves past it anyway
    }
    return 'read';
  }

  /**
   * `readPiece` from the lines workers kept (`--jobs`), to the same effect: the parser set up at the
   * piece's first bytes, each kept line parsed at its own offset, the cursor moved part by part
   * (workers already gave a rotated piece's last line).
   */
  private async *readPieceBatches(piece: PlannedPiece, batches: PieceBatches, index: number, stopping: () => boolean): AsyncGenerator<LoginEvent[], 'read' | 'moved'> {
    const file = identityOf(piece.opened);
    const record: ReadPiece = { file, base: this.nextBase, start: piece.start, consumed: 0 };
    const at = { consumedBytes: 0 }; // what the parser's context reads as the splitter's count
    let lines = 0; // of the piece, in the batches before this one (line numbers)
    let ready = false;
    // As on this thread: set up at the piece's first bytes (for gzip, its first decompressed line).
    const setUp = (lines: number) => {
      if (!ready && (lines > 0 || (!piece.opened.gzip && piece.opened.size > piece.start))) ready = this.setUpPiece(piece, file, record, () => at) !== null;
    };
    const status = { moved: false };
    for await (const kept of batches.of(index, status)) {
      setUp(kept.lines);
      // In parts of about a chunk, as on this thread: commits (--commit-lines) and stops come as often.
      for (let from = 0, last = false; !last; ) {
        const to = nextPart(kept, from, piece.start + at.consumedBytes);
        last = to === kept.ends.length;
        const consumed = (last ? kept.end : kept.starts[to]) - piece.start;
        this.stats.bytes += consumed - at.consumedBytes;
        if (!piece.opened.gzip) this.options.progress?.addRead(consumed - at.consumedBytes);
        if (ready) {
          replayKept(this.parser!, kept, lines, (i) => (at.consumedBytes = kept.starts[i] - piece.start), from, to);
          at.consumedBytes = consumed;
          this.advance(record, file, piece.start, consumed);
        }
        yield this.takeBatch();
        if (stopping()) return 'read';
        from = to;
      }
      lines += kept.lines;
    }
    if (status.moved) return 'moved';
    if (piece.opened.gzip) this.options.progress?.addRead(piece.opened.size);
    else this.stats.bytes += Math.max(0, piece.opened.size - piece.start - at.consumedBytes); // a line still being written
    setUp(0); // the cursor moves to a live file holding only a line being written, and past an empty rotated rest
    if (ready || (this.cursor !== null && !piece.live)) this.advance(record, file, piece.start, at.consumedBytes);
    return 'read';
  }

  private splitterFor(piece: PlannedPiece, file: FileIdentity, first: Buffer, record: ReadPiece): LineSplitter {
    if (this.format === null) this.format = detectFormatOfChunk(piece.path, first);
    const splitter: LineSplitter = new LineSplitter(this.setUpPiece(piece, file, record, () => splitter));
    return splitter;
  }

  /** The parser at a piece's first bytes; `splitter` says how far into the piece it is. */
  private setUpPiece(piece: PlannedPiece, file: FileIdentity, record: ReadPiece, splitter: () => Consumed | null): LineParser {
    // Only this very file, not another one that reuses the inode: its first bytes must agree.
    const replayUntil = this.replay.find((r) => sameInode(r.file, file) && fingerprintMatches(piece.opened, r.file))?.until ?? 0;
    if (this.parser === null) {
      this.parser = this.format!.createParser(this.contextFor(piece.path, record, splitter, replayUntil), {
        ...this.options.time,
        referenceMs: piece.opened.mtimeMs,
      });
    } else {
      if (this.lastFile === null || !sameInode(this.lastFile, file)) this.parser.nextFile(piece.opened.mtimeMs);
      this.context = { label: piece.path, record, splitter, replayUntil };
    }
    this.lastFile = file;
    this.read.add(record);
    return this.parser;
  }

  /** What the parser's context reads: swapped per piece, since the parser outlives pieces. */
  private context: { label: string; record: ReadPiece; splitter: () => Consumed | null; replayUntil: number } | null = null;

  private contextFor(label: string, record: ReadPiece, splitter: () => Consumed | null, replayUntil: number): ParserContext {
    this.context = { label, record, splitter, replayUntil };
    const reader = this;
    return {
      get label() {
        return reader.context!.label;
      },
      position: () => {
        const c = reader.context!;
        return c.record.base + (c.splitter()?.consumedBytes ?? 0);
      },
      emit: (event) => {
        const c = reader.context!;
        const lineStart = c.record.start + (c.splitter()?.consumedBytes ?? 0);
        if (lineStart < c.replayUntil) {
          reader.stats.replayed++;
          return;
        }
        if (reader.heldLogin !== null) return;
        if (reader.options.hold?.(event)) {
          reader.holdAt(event, c.record.file, lineStart, c.record.base + (c.splitter()?.consumedBytes ?? 0));
          return;
        }
        countLogin(reader.stats, event);
        reader.lastTime = event.localTime;
        reader.batch.push(event);
      },
      notice: this.options.notice,
    };
  }

  private advance(record: ReadPiece, file: FileIdentity, start: number, consumed: number): void {
    record.consumed = consumed;
    this.nextBase = record.base + consumed;
    this.cursor = { file, offset: start + consumed, processedTo: start + consumed };
    this.syncStats();
  }

  private counted = { lines: 0, unparsable: 0 };

  private syncStats(): void {
    if (this.parser === null) return;
    this.stats.lines += this.parser.stats.lines - this.counted.lines;
    this.stats.unparsable += this.parser.stats.unparsable - this.counted.unparsable;
    this.counted = { ...this.parser.stats };
  }

  private takeBatch(): LoginEvent[] {
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) this.options.progress?.addLogins(batch.length);
    return batch;
  }
}
