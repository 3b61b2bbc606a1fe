/**
 * Reading a planned piece of a log from disk: its bytes from the planned offset (gunzipped for a
 * `.gz`), from a handle checked to be the planned file, stopping when the file turns out to be
 * another one (rotated or rewritten meanwhile); and where its last complete line ends.
 */
import { createGunzip } from 'node:zlib';
import { promises as fsp } from 'node:fs';
import { InputReadError } from '../../errors.js';
import { describeFsError } from '../log-input.js';
import { beginsAs, identityOf, readHead, sameInode, type OpenedHead } from './file-identity.js';
import type { PlannedPiece } from './read-plan.js';

/** Bytes read at a time from a log. */
export const CHUNK_BYTES = 1 << 20;

/**
 * The piece's bytes from `start` (decompressed for gzip), from a handle checked to be the planned
 * file. `status.moved`: it was not (rotated away between planning and opening, or rewritten while
 * read); what was handed on is its own. `onRead` is told the bytes read from disk (compressed ones
 * for gzip).
 */
export async function* readFrom(piece: PlannedPiece, status: { moved: boolean }, onRead?: (bytes: number) => void): AsyncGenerator<Buffer> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(piece.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputReadError(`${piece.path}: ${describeFsError(err)}`);
    status.moved = true; // rotated away meanwhile: the next poll finds it
    return;
  }
  try {
    const stat = await handle.stat();
    if (!sameInode(stat, piece.opened)) {
      status.moved = true; // renamed between planning and opening: plan again next poll
      return;
    }
    if (!piece.opened.gzip) {
      for await (const chunk of wrapErrors(piece.path, readChecked(handle, piece, status))) {
        onRead?.(chunk.length);
        yield chunk;
      }
      return;
    }
    let skip = piece.start;
    const file = handle.createReadStream({ highWaterMark: CHUNK_BYTES, autoClose: false });
    if (onRead !== undefined) file.on('data', (chunk: string | Buffer) => onRead(chunk.length));
    const gunzip = file.pipe(createGunzip({ chunkSize: CHUNK_BYTES }));
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

/**
 * A plain file's bytes from `start`, each chunk handed on only if the file still begins with the
 * bytes it began with when the read was planned, checked after the chunk was read. A copytruncate
 * keeps the inode: when it happens while the file is read and the server writes on past the
 * position, the bytes there are the new content's, not the rest of what was planned. They are
 * not read; the next poll finds the copy by its fingerprint and reads its rest from the cursor.
 */
async function* readChecked(handle: fsp.FileHandle, piece: PlannedPiece, status: { moved: boolean }): AsyncGenerator<Buffer> {
  const planned = identityOf(piece.opened);
  for (let position = piece.start; ; ) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (!(await beginsAs(handle, planned))) {
      status.moved = true;
      return;
    }
    if (bytesRead === 0) return;
    yield chunk.subarray(0, bytesRead);
    position += bytesRead;
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
export async function lastLineEnd(piece: PlannedPiece): Promise<number> {
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

/** A live file now and the end of its last complete line (a line being written is read in full next time); null if it is not there. */
export async function liveEnd(path: string): Promise<{ opened: OpenedHead; end: number } | null> {
  let opened: OpenedHead;
  try {
    opened = await readHead(path);
  } catch {
    return null;
  }
  return { opened, end: await lastLineEnd({ path, opened, start: 0, live: true }) };
}
