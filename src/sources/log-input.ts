import { createReadStream, promises as fsp } from 'node:fs';
import { InputError } from '../errors.js';

/** A log to read: a file path, or `-` for standard input. */
export interface LogInput {
  /** As given by the user; used in messages and `source` fields. */
  readonly label: string;
  /** Modification time (now for stdin): the reference for inferring years (SPEC §5). */
  readonly mtimeMs: number;
  /** The bytes, in chunks. */
  chunks(): AsyncIterable<Buffer>;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Checks every input before any work starts, so a missing or unreadable log is a clear usage
 * error and not a half-done run.
 */
export async function openInputs(paths: readonly string[]): Promise<LogInput[]> {
  if (paths.length === 0) throw new InputError('no log given: name one or more log files, or - for standard input');
  if (paths.filter((p) => p === '-').length > 1) throw new InputError('- (standard input) can be given only once');
  return Promise.all(paths.map(openInput));
}

async function openInput(path: string): Promise<LogInput> {
  if (path === '-') {
    return { label: '-', mtimeMs: Date.now(), chunks: () => process.stdin };
  }
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, 'r');
  } catch (err) {
    throw new InputError(`${path}: ${describeFsError(err)}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new InputError(`${path}: is a directory; name the log files in it`);
    return {
      label: path,
      mtimeMs: stat.mtimeMs,
      chunks: () => createReadStream(path, { fd: handle, highWaterMark: CHUNK_BYTES, autoClose: true }),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** `ENOENT` → "no such file", and so on: what an operator needs to read, not errno names. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
