import { readSync } from 'node:fs';

/** Bytes read per block: a lookup touches a few dozen tree nodes and records, each a few bytes. */
export const BLOCK_SHIFT = 14; // 16 KiB

/**
 * A read-only file whose blocks are read on first use, into one buffer of the file's size. A cron
 * run that locates a handful of addresses reads (and pages in) a few hundred KiB of a 60 MB City
 * database instead of all of it; a long backfill ends up reading what its lookups reach. The
 * buffer is allocated uninitialised, so blocks never read cost no memory.
 *
 * The descriptor stays open for the file's life: a database replaced by rename (geoipupdate) keeps
 * being read from the file that was opened, so one run never mixes two versions.
 */
export class PagedFile {
  readonly bytes: Buffer;
  /** 1 for each block (of `1 << BLOCK_SHIFT` bytes) already read: readers check it inline before calling `need`. */
  readonly loaded: Uint8Array;
  /** Bytes read from the file so far. */
  bytesRead = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    /** Thrown when a block cannot be read (the file shrank, an I/O error). */
    private readonly failure: (err: unknown) => Error,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(size);
    this.loaded = new Uint8Array((size >> BLOCK_SHIFT) + 1);
  }

  /** Makes `bytes[offset, offset + length)` readable (the part inside the file). */
  need(offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset >= this.size) return;
    const last = Math.min(offset + length, this.size) - 1;
    for (let block = offset >> BLOCK_SHIFT; block <= last >> BLOCK_SHIFT; block++) {
      if (this.loaded[block] === 0) this.load(block);
    }
  }

  private load(block: number): void {
    const start = block << BLOCK_SHIFT;
    const end = Math.min(start + (1 << BLOCK_SHIFT), this.size);
    try {
      readFullyAt(this.fd, this.bytes, start, end - start, start);
    } catch (err) {
      throw this.failure(err);
    }
    this.loaded[block] = 1;
    this.bytesRead += end - start;
  }
}

/** Reads `length` bytes at file `position` into `buf` at `offset`; a file shorter than that is an error. */
export function readFullyAt(fd: number, buf: Uint8Array, offset: number, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) throw new Error('the file is shorter than it was (changed while reading?)');
    done += n;
  }
}
