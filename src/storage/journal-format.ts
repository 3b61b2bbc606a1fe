/**
 * The journal file's format (see journal.ts for how a batch is committed through it).
 *
 * Binary, big-endian:
 *   "MVJOURNAL1\n"  u32 count
 *   count × { u32 pathLength, path (UTF-8, absolute), u8 op (1 write, 2 delete),
 *             u32 contentLength, content }
 *   sha256 of everything before it (32 bytes)  "END\n"
 * Anything short, long, or with a wrong checksum is torn.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';

const MAGIC = Buffer.from('MVJOURNAL1\n', 'latin1');
const END = Buffer.from('END\n', 'latin1');
const OP_WRITE = 1;
const OP_DELETE = 2;

export interface BatchWrite {
  /** The file to replace; made absolute. */
  path: string;
  /** The new content, or null to delete the file. */
  content: Buffer | null;
}

/** The journal's bytes for a batch (written into one buffer: a batch can hold 100,000 files). */
export function encodeJournal(writes: readonly BatchWrite[]): Buffer {
  const paths = writes.map((w) => Buffer.from(w.path, 'utf8'));
  let size = MAGIC.length + 4;
  for (let i = 0; i < writes.length; i++) size += 4 + paths[i]!.length + 1 + 4 + (writes[i]!.content?.length ?? 0);
  const out = Buffer.allocUnsafe(size + 32 + END.length);
  let off = MAGIC.copy(out, 0);
  off = out.writeUInt32BE(writes.length, off);
  for (let i = 0; i < writes.length; i++) {
    const p = paths[i]!;
    const content = writes[i]!.content;
    off = out.writeUInt32BE(p.length, off);
    off += p.copy(out, off);
    off = out.writeUInt8(content === null ? OP_DELETE : OP_WRITE, off);
    off = out.writeUInt32BE(content?.length ?? 0, off);
    if (content !== null) off += content.copy(out, off);
  }
  off += createHash('sha256').update(out.subarray(0, size)).digest().copy(out, off);
  END.copy(out, off);
  return out;
}

/** The batch in a journal's bytes, or undefined if they are torn (incomplete or corrupt). */
export function decodeJournal(buf: Buffer): BatchWrite[] | undefined {
  const bodyEnd = buf.length - 32 - END.length;
  if (bodyEnd < MAGIC.length + 4) return undefined;
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!buf.subarray(bodyEnd + 32).equals(END)) return undefined;
  const digest = createHash('sha256').update(buf.subarray(0, bodyEnd)).digest();
  if (!digest.equals(buf.subarray(bodyEnd, bodyEnd + 32))) return undefined;
  let off = MAGIC.length;
  const need = (n: number) => off + n <= bodyEnd;
  const count = buf.readUInt32BE(off);
  off += 4;
  const out: BatchWrite[] = [];
  for (let i = 0; i < count; i++) {
    if (!need(4)) return undefined;
    const pl = buf.readUInt32BE(off);
    off += 4;
    if (!need(pl + 5)) return undefined;
    const p = buf.toString('utf8', off, off + pl);
    off += pl;
    const op = buf[off]!;
    const cl = buf.readUInt32BE(off + 1);
    off += 5;
    if (op === OP_WRITE) {
      if (!need(cl)) return undefined;
      out.push({ path: p, content: Buffer.from(buf.subarray(off, off + cl)) });
      off += cl;
    } else if (op === OP_DELETE && cl === 0) {
      out.push({ path: p, content: null });
    } else return undefined;
    if (!path.isAbsolute(p)) return undefined;
  }
  return off === bodyEnd ? out : undefined;
}
