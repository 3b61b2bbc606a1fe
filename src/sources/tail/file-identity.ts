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
    return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, gzip, head: Buffer.from(head) };
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
  };
}

/** Same inode on the same device (a rename keeps both). */
export function sameInode(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

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
