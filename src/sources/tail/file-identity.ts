import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { gunzipSync, constants as zlib } from 'node:zlib';

/**
 * Which file a checkpoint belongs to, so a later run can find it again after logrotate renamed,
 * copied, truncated or compressed it (SPEC §6). Device and inode find a renamed file; the
 * fingerprint (a hash of its first bytes, which never change in an append-only log) finds a copy
 * or a compressed piece, and tells a truncated-and-rewritten file from the one that was read.
 * A hash of log lines says nothing about any user: it is the only trace of content kept.
 */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  /** The file was gzip-compressed (offsets then count decompressed bytes). */
  readonly gzip: boolean;
  /** How many leading bytes the fingerprint covers (fewer when the file was shorter). */
  readonly fingerprintBytes: number;
  readonly fingerprint: string;
  /**
   * Its modification time when it was read (epoch ms). Logs are written in order, so a rotated
   * piece last written before it holds older lines, one written after it newer ones (read-plan.ts).
   * Absent in checkpoints of older versions.
   */
  readonly mtimeMs?: number;
}

/** Enough to tell any two Prosody or ejabberd logs apart: their first lines carry timestamps. */
export const FINGERPRINT_BYTES = 4096;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface OpenedHead {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly gzip: boolean;
  /** Up to FINGERPRINT_BYTES of the (decompressed) content. */
  readonly head: Buffer;
  /** Length of the (decompressed) content; for gzip the trailer's, null when it has none (yet). */
  readonly contentLength: number | null;
}

/** Stats a file and reads its first bytes (decompressed when it is gzip). */
export async function readHead(path: string, bytes = FINGERPRINT_BYTES): Promise<OpenedHead> {
  const handle = await fsp.open(path, 'r');
  try {
    const stat = await handle.stat();
    let first = await readAt(handle, Math.min(stat.size, bytes));
    const gzip = first.length >= 2 && first[0] === GZIP_MAGIC_0 && first[1] === GZIP_MAGIC_1;
    // Compressed logs shrink ten-fold or more: this much always holds `bytes` of text.
    if (gzip) first = await readAt(handle, Math.min(stat.size, GZIP_PREFIX_BYTES));
    const head = gzip ? gunzipHead(first, bytes) : first;
    const contentLength = gzip ? await gzipLength(handle, stat.size) : stat.size;
    return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, gzip, head: Buffer.from(head), contentLength };
  } finally {
    await handle.close();
  }
}

const GZIP_PREFIX_BYTES = 64 * 1024;

async function readAt(handle: fsp.FileHandle, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, 0);
  return buf.subarray(0, bytesRead);
}

/** ISIZE, the uncompressed length mod 2^32 a gzip stream ends with (null: too short to have one). */
async function gzipLength(handle: fsp.FileHandle, size: number): Promise<number | null> {
  if (size < 20) return null;
  const trailer = Buffer.alloc(4);
  const { bytesRead } = await handle.read(trailer, 0, 4, size - 4);
  return bytesRead === 4 ? trailer.readUInt32LE(0) : null;
}

/** The first bytes of a gzip stream, from a prefix of it (a piece still being compressed is fine). */
function gunzipHead(prefix: Buffer, bytes: number): Buffer {
  try {
    return gunzipSync(prefix, { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, bytes);
  } catch {
    return Buffer.alloc(0);
  }
}

export function identityOf(opened: OpenedHead, bytes = FINGERPRINT_BYTES): FileIdentity {
  const covered = opened.head.subarray(0, bytes);
  return {
    dev: opened.dev,
    ino: opened.ino,
    gzip: opened.gzip,
    fingerprintBytes: covered.length,
    fingerprint: createHash('sha256').update(covered).digest('hex'),
    mtimeMs: opened.mtimeMs,
  };
}

/** Same inode on the same device (a rename keeps both). */
export function sameInode(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Do two files hold the same log content (one a copy, a compressed copy, or a longer state of the
 * other)? Their first bytes agree, over enough of them to include a whole first line.
 */
export function sameGeneration(a: OpenedHead, b: OpenedHead): boolean {
  const common = Math.min(a.head.length, b.head.length);
  if (common < GENERATION_BYTES && a.head.length !== b.head.length) return false;
  return common > 0 && a.head.subarray(0, common).equals(b.head.subarray(0, common));
}

/** A log line's timestamp alone can repeat; this many bytes hold a whole first line or more. */
const GENERATION_BYTES = 512;

/** Does this file begin with the bytes the identity was taken from? */
export function fingerprintMatches(opened: OpenedHead, id: FileIdentity): boolean {
  if (opened.head.length < id.fingerprintBytes) return false;
  return identityOf(opened, id.fingerprintBytes).fingerprint === id.fingerprint;
}

/** Does the open file still begin with the bytes the identity was taken from (not truncated and rewritten)? */
export async function beginsAs(handle: fsp.FileHandle, id: FileIdentity): Promise<boolean> {
  if (id.gzip) return true; // compressed pieces are written once, never truncated
  const head = await readAt(handle, id.fingerprintBytes);
  return head.length === id.fingerprintBytes && createHash('sha256').update(head).digest('hex') === id.fingerprint;
}
