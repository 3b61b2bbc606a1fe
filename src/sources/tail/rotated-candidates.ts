import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { rotationOf } from '../rotated-sets.js';
import { readHead, type OpenedHead } from './file-identity.js';

/** A file beside the live log that may be a rotated piece of it. */
export interface Candidate {
  readonly path: string;
  readonly opened: OpenedHead;
  /** logrotate's name order (higher = older by name): only a tie-break, never the identity. */
  readonly nameAge: number;
}

/**
 * What may follow the log's name in a rotated piece's: numbers, dates and times with `.`, `-` or
 * `_` between them (`.1`, `-20261101`, `.2026-11-01`, `-20261101-1764547200`), then maybe `.gz`.
 * Which piece is which is decided by content (read-plan.ts), so the name only has to look rotated.
 */
const ROTATED_SUFFIX = /^[._-][\d._-]*\d[\d._-]*(?:\.gz)?$/;

/**
 * Every file that may be a rotated piece of `livePath`: beside it, or one folder down (logrotate's
 * `olddir`, when it is below the log's folder). An `olddir` elsewhere is not searched: the piece
 * read last is then not found, which the planner says in a warning.
 */
export async function rotatedCandidates(livePath: string): Promise<Candidate[]> {
  const dir = path.dirname(livePath);
  const base = path.basename(livePath);
  const out: Candidate[] = [];
  const entries = await readdirOrEmpty(dir);
  const folders = [dir, ...entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name))];
  for (const folder of folders) {
    const names = folder === dir ? entries.map((e) => e.name) : (await readdirOrEmpty(folder)).map((e) => e.name);
    for (const name of names) {
      if (!name.startsWith(base) || !ROTATED_SUFFIX.test(name.slice(base.length))) continue;
      const p = path.join(folder, name);
      const opened = await headOrNull(p);
      if (opened !== null) out.push({ path: p, opened, nameAge: rotationOf(name).age });
    }
  }
  return out;
}

async function readdirOrEmpty(dir: string) {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** The file's head, or null when it is gone or is not a regular file. */
export async function headOrNull(p: string): Promise<OpenedHead | null> {
  try {
    const stat = await fsp.stat(p);
    if (!stat.isFile()) return null;
    return await readHead(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return null;
    throw err;
  }
}
