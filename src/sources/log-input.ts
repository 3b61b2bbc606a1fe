import { createReadStream, promises as fsp, type Stats } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';

/** A log to read: a file (plain or gzip), or `-` for standard input. */
export interface LogInput {
  /** The path as found; used in messages and `source` fields. */
  readonly label: string;
  /** Modification time (null for stdin, which has none): the reference for inferring years (SPEC §5). */
  readonly mtimeMs: number | null;
  readonly gzip: boolean;
  /** Bytes on disk (compressed for gzip); null for standard input. */
  readonly size: number | null;
  /** A regular file's path and size (not for standard input): what worker threads read (`--jobs`). */
  readonly file?: { readonly path: string; readonly size: number };
  /**
   * The (decompressed) bytes, in chunks. A chunk is valid only until the next one is asked for:
   * plain files are read into two reused buffers (fresh 1 MB buffers cost more than the parsing).
   * `onRead` is told the bytes read from disk (compressed ones for gzip) as they are read.
   */
  chunks(onRead?: (bytes: number) => void): AsyncIterable<Buffer>;
}

const CHUNK_BYTES = 1 << 20;
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Checks every input before any work starts, so a missing or unreadable log is a clear usage
 * error and not a half-done run. Directories and glob patterns stand for the files they hold.
 */
export async function openInputs(paths: readonly string[]): Promise<LogInput[]> {
  if (paths.length === 0) throw new InputError('no log given: name one or more log files, or - for standard input');
  if (paths.filter((p) => p === '-').length > 1) throw new InputError('- (standard input) can be given only once');
  const files: string[] = [];
  for (const path of paths) files.push(...(await expandPath(path)));
  const unique = [...new Set(files)];
  return Promise.all(unique.map(openInput));
}

async function expandPath(path: string): Promise<string[]> {
  if (path === '-') return [path];
  if (/[*?[]/.test(basename(path))) return expandGlob(path);
  let stat: Stats;
  try {
    stat = await fsp.stat(path);
  } catch (err) {
    throw new InputError(`${path}: ${describeFsError(err)}`);
  }
  if (!stat.isDirectory()) return [path];
  const names = (await fsp.readdir(path, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.'));
  if (names.length === 0) throw new InputError(`${path}: the directory holds no log files`);
  return names.map((d) => joinPath(path, d.name)).sort();
}

/** `*`, `?` and `[…]` in the last path component (shells usually expand these before we see them). */
async function expandGlob(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const regex = globToRegExp(basename(pattern));
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    throw new InputError(`${pattern}: ${describeFsError(err)}`);
  }
  const matches = names.filter((n) => regex.test(n) && !n.startsWith('.')).map((n) => joinPath(dir, n));
  if (matches.length === 0) throw new InputError(`${pattern}: no file matches`);
  return matches.sort();
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

async function openInput(path: string): Promise<LogInput> {
  if (path === '-') {
    return { label: '-', mtimeMs: null, gzip: false, size: null, chunks: (onRead) => maybeGunzip(counted(process.stdin, onRead)) };
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
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    const gzip = bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    await handle.close();
    return {
      label: path,
      mtimeMs: stat.mtimeMs,
      gzip,
      size: stat.size,
      file: { path, size: stat.size },
      chunks: (onRead) => (gzip ? gunzipFile(path, onRead) : readChunks(path, onRead)),
    };
  } catch (err) {
    await handle.close().catch(() => {});
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: ${describeFsError(err)}`);
  }
}

/** A file input another thread opened and checked (`--jobs`): the same label, date and kind, read from the same path. */
export function fileInput(label: string, path: string, mtimeMs: number | null, gzip: boolean, size: number): LogInput {
  return { label, mtimeMs, gzip, size, file: { path, size }, chunks: (onRead) => (gzip ? gunzipFile(path, onRead) : readChunks(path, onRead)) };
}

/**
 * A plain file, a chunk at a time, into two buffers used in turn: the next chunk is read (on
 * libuv's thread) while the caller parses this one, and a buffer is reused only once the caller
 * has asked for the chunk after it.
 */
async function* readChunks(path: string, onRead?: (bytes: number) => void): AsyncIterable<Buffer> {
  const handle = await fsp.open(path, 'r');
  const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let turn = 0;
  let pending: Promise<{ bytesRead: number; buffer: Buffer }> | null = handle.read(buffers[0], 0, CHUNK_BYTES, null);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending!;
      pending = null;
      if (bytesRead === 0) return;
      turn ^= 1;
      pending = handle.read(buffers[turn], 0, CHUNK_BYTES, null);
      onRead?.(bytesRead);
      yield bytesRead === CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await pending?.catch(() => {});
    await handle.close();
  }
}

/** A gzip file's decompressed bytes; `onRead` counts the compressed ones as they are read. */
function gunzipFile(path: string, onRead?: (bytes: number) => void): AsyncIterable<Buffer> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  if (onRead !== undefined) file.on('data', (chunk: string | Buffer) => onRead(chunk.length));
  return file.pipe(createGunzip({ chunkSize: CHUNK_BYTES }));
}

/** A stream's chunks, told to `onRead` as they come. */
async function* counted(stream: NodeJS.ReadableStream, onRead?: (bytes: number) => void): AsyncIterable<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onRead?.(chunk.length);
    yield chunk;
  }
}

/** Standard input may be compressed too (`cat old.log.gz | monthly-visitors backfill -`). */
async function* maybeGunzip(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
  })();
  if (first.value[0] === GZIP_MAGIC[0] && first.value[1] === GZIP_MAGIC[1]) {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    (async () => {
      try {
        for await (const chunk of rest) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* rest;
  }
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
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
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return 'corrupt or truncated gzip data';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
