import { createGunzip } from 'node:zlib';
import { promises as fsp } from 'node:fs';
import type { LoginEvent } from '../../core/login-event.js';
import { InputReadError } from '../../errors.js';
import type { LineParser, LogFormat, ParserContext, TimeOptions } from '../log-format.js';
import { describeFsError } from '../log-input.js';
import { detectFormatOfChunk } from '../formats.js';
import { LineSplitter } from '../line-splitter.js';
import type { InputCheckpoint } from './checkpoint.js';
import { identityOf, readHead, sameInode, type FileIdentity, type OpenedHead } from './file-identity.js';
import { planReads, type Cursor, type PlannedPiece } from './read-plan.js';

/**
 * A checkpoint goes back at most this far for a session still waiting for its login. Logins
 * follow their connection within seconds; a session left open far longer (a lost disconnect line,
 * a crashed server) must not make every run re-read more and more of the log.
 */
export const HOLD_BACK_BYTES = 16 * 1024 * 1024;

const CHUNK_BYTES = 1 << 20;

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
}

export interface TailReaderStats {
  lines: number;
  unparsable: number;
  /** Log bytes read (decompressed). */
  bytes: number;
  logins: number;
  loginsWithIp: number;
  loginsWithResource: number;
  /** Logins on lines a previous run already committed (re-read to rebuild waiting sessions). */
  replayed: number;
}

/** A piece read in this process: maps parser positions back to files and offsets. */
interface ReadPiece {
  readonly file: FileIdentity;
  readonly base: number;
  readonly start: number;
  consumed: number;
}

/**
 * One log followed across runs and rotations (SPEC §6). Each `poll` reads what the log gained
 * since the last one, through one parser that lives as long as the reader, so a session that
 * spans two polls or a rotation keeps its state; `checkpoint` says where a later process must
 * start to rebuild the sessions still waiting, and which lines it must not count again.
 */
export class TailReader {
  readonly stats: TailReaderStats = { lines: 0, unparsable: 0, bytes: 0, logins: 0, loginsWithIp: 0, loginsWithResource: 0, replayed: 0 };
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
  private read: ReadPiece[] = [];
  private batch: LoginEvent[] = [];
  private lastFile: FileIdentity | null = null;
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
  async *poll(stopping: () => boolean = () => false): AsyncGenerator<LoginEvent[]> {
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
    if (plan.liveMissing) {
      this.options.notice(`missing:${this.path}`, `${this.path}: not there (rotated, and the server has not reopened it yet?); waiting for it`);
    }
    for (const piece of plan.pieces) {
      yield* this.readPiece(piece, stopping);
      if (stopping()) return;
    }
  }

  /** Where a new process must start reading, and up to where the logins are committed. */
  checkpoint(): InputCheckpoint | null {
    if (this.cursor === null) return null;
    // Nothing read yet (a cron run with nothing new): where to resume is still where it was, and
    // a session still waiting for its login keeps the place it began.
    if (this.cursor === this.savedCursor && this.saved !== undefined) return this.saved;
    const processed = this.cursor;
    const current = this.read.length > 0 ? this.read[this.read.length - 1] : null;
    const now = current ? current.base + current.consumed : 0;
    const pending = this.parser?.pendingSince?.();
    const base = { file: processed.file, processedTo: processed.processedTo, format: this.format?.name ?? null, lastTime: this.lastTime };
    if (pending !== undefined && pending >= now - HOLD_BACK_BYTES) {
      const piece = this.pieceAt(pending);
      if (piece !== null) {
        const resumeAt = piece.start + (pending - piece.base);
        if (sameFile(piece.file, processed.file)) return { ...base, resumeAt: Math.min(resumeAt, processed.processedTo) };
        // The session began in a piece rotated away since: resume there.
        return { ...base, resumeAt, resumeFile: piece.file };
      }
    }
    return { ...base, resumeAt: processed.processedTo };
  }

  private pieceAt(position: number): ReadPiece | null {
    for (let i = this.read.length - 1; i >= 0; i--) if (this.read[i].base <= position) return this.read[i];
    return null;
  }

  private async skipToEnd(): Promise<void> {
    let opened: OpenedHead;
    try {
      opened = await readHead(this.path);
    } catch {
      return; // not there yet: the first run that finds it starts at its end then
    }
    const live: PlannedPiece = { path: this.path, opened, start: 0, live: true };
    // The end of the last complete line: a line being written is read in full next time.
    const end = await lastLineEnd(live);
    // The checkpoint names the format, and a later run starts mid-file: judge it now, from the head.
    if (this.format === null && end > 0) this.format = detectFormatOfChunk(live.path, opened.head);
    // Set even for an empty log, so that what is appended later counts (--from-end acts once).
    this.cursor = { file: identityOf(opened), offset: end, processedTo: end };
  }

  private async *readPiece(piece: PlannedPiece, stopping: () => boolean): AsyncGenerator<LoginEvent[]> {
    const file = identityOf(piece.opened);
    const record: ReadPiece = { file, base: this.nextBase, start: piece.start, consumed: 0 };
    let splitter: LineSplitter | null = null;
    const replayUntil = this.replay.find((r) => sameFile(r.file, file))?.until ?? 0;
    for await (const chunk of readFrom(piece)) {
      // A log's first line still being written: the format is judged once it is complete.
      if (this.format === null && piece.live && chunk.indexOf(0x0a) < 0) return;
      this.stats.bytes += chunk.length;
      if (splitter === null) splitter = this.splitterFor(piece, file, chunk, record, replayUntil);
      splitter.push(chunk);
      this.advance(record, file, piece.start, splitter.consumedBytes);
      yield this.takeBatch();
      if (stopping()) return;
    }
    if (splitter !== null && !piece.live) {
      // A rotated piece is complete: its last line counts even without a newline.
      splitter.flush();
      this.advance(record, file, piece.start, splitter.consumedBytes);
      yield this.takeBatch();
    }
    if (splitter === null && this.cursor !== null && !piece.live) {
      this.advance(record, file, piece.start, 0); // an empty rest: the cursor moves past it anyway
    }
  }

  private splitterFor(piece: PlannedPiece, file: FileIdentity, first: Buffer, record: ReadPiece, replayUntil: number): LineSplitter {
    if (this.format === null) this.format = detectFormatOfChunk(piece.path, first);
    if (this.parser === null) {
      this.parser = this.format.createParser(this.contextFor(piece.path, record, () => splitter, replayUntil), {
        ...this.options.time,
        referenceMs: piece.opened.mtimeMs,
      });
    } else {
      if (this.lastFile === null || !sameInode(this.lastFile, file)) this.parser.nextFile(piece.opened.mtimeMs);
      this.context = { label: piece.path, record, splitter: () => splitter, replayUntil };
    }
    this.lastFile = file;
    const splitter = new LineSplitter(this.parser);
    this.read.push(record);
    this.pruneRead();
    return splitter;
  }

  /** What the parser's context reads: swapped per piece, since the parser outlives pieces. */
  private context: { label: string; record: ReadPiece; splitter: () => LineSplitter | null; replayUntil: number } | null = null;

  private contextFor(label: string, record: ReadPiece, splitter: () => LineSplitter | null, replayUntil: number): ParserContext {
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
        reader.stats.logins++;
        if (event.ip !== null) reader.stats.loginsWithIp++;
        if (event.resource !== null) reader.stats.loginsWithResource++;
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
    return batch;
  }

  /** Forgets pieces too old to hold back for (bounded memory in a long follow). */
  private pruneRead(): void {
    const now = this.nextBase;
    while (this.read.length > 1 && this.read[1].base < now - HOLD_BACK_BYTES) this.read.shift();
  }
}

/** Same file; fingerprints taken while it was shorter cover fewer bytes, so only equal lengths compare. */
function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  if (!sameInode(a, b) || a.gzip !== b.gzip) return false;
  return a.fingerprintBytes !== b.fingerprintBytes || a.fingerprint === b.fingerprint;
}

/** The piece's bytes from `start` (decompressed for gzip), from a handle checked to be the planned file. */
async function* readFrom(piece: PlannedPiece): AsyncGenerator<Buffer> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(piece.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // rotated away meanwhile: the next poll finds it
    throw new InputReadError(`${piece.path}: ${describeFsError(err)}`);
  }
  try {
    const stat = await handle.stat();
    if (!sameInode(stat, piece.opened)) return; // renamed between planning and opening: plan again next poll
    if (!piece.opened.gzip) {
      yield* wrapErrors(piece.path, handle.createReadStream({ start: piece.start, highWaterMark: CHUNK_BYTES, autoClose: false }));
      return;
    }
    let skip = piece.start;
    const gunzip = handle.createReadStream({ highWaterMark: CHUNK_BYTES, autoClose: false }).pipe(createGunzip({ chunkSize: CHUNK_BYTES }));
    for await (const chunk of wrapErrors(piece.path, gunzip)) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

async function* wrapErrors(path: string, stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (err) {
    throw new InputReadError(`${path}: ${describeFsError(err)}`);
  }
}

/** Offset just after the last newline of a plain file (0 when it has none). */
async function lastLineEnd(piece: PlannedPiece): Promise<number> {
  if (piece.opened.gzip) return 0;
  const handle = await fsp.open(piece.path, 'r');
  try {
    const size = piece.opened.size;
    const window = Buffer.alloc(Math.min(size, CHUNK_BYTES));
    for (let end = size; end > 0; ) {
      const from = Math.max(0, end - window.length);
      const { bytesRead } = await handle.read(window, 0, end - from, from);
      const nl = window.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) return from + nl + 1;
      end = from;
    }
    return 0;
  } finally {
    await handle.close();
  }
}
