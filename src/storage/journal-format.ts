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

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** The journal's bytes for a batch. */
export function encodeJournal(writes: readonly BatchWrite[]): Buffer {
  const parts: Buffer[] = [MAGIC, u32(writes.length)];
  for (const w of writes) {
    const p = Buffer.from(w.path, 'utf8');
    parts.push(u32(p.length), p, Buffer.from([w.content === null ? OP_DELETE : OP_WRITE]), u32(w.content?.length ?? 0));
    if (w.content !== null) parts.push(w.content);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha256').update(body).digest(), END]);
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
