import { open } from 'node:fs/promises';
import type { LogInput } from '../log-input.js';

/**
 * The bytes `[start, end)` of a log piece (decompressed ones for gzip), in chunks of up to 1 MiB:
 * a range a worker parsed, when the main thread must read it again (`LoginStream`).
 */
export async function* spanBytes(input: LogInput, start: number, end: number): AsyncGenerator<Buffer> {
  if (input.gzip) {
    // Gzip cannot be entered in the middle: inflate from the start, keep the span.
    let skip = start;
    let left = end - start;
    for await (const chunk of input.chunks()) {
      const from = Math.min(skip, chunk.length);
      skip -= from;
      const part = chunk.subarray(from, from + Math.min(left, chunk.length - from));
      left -= part.length;
      if (part.length > 0) yield part;
      if (left === 0) return;
    }
    return;
  }
  const handle = await open(input.file!.path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let pos = start; pos < end; ) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - pos), pos);
      if (bytesRead === 0) return;
      yield chunk.subarray(0, bytesRead);
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
