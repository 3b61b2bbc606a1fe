import { closeSync, fstatSync, openSync } from 'node:fs';
import { GeoIpError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';
import { readFullyAt } from './paged-file.js';
import { startsIpv4Mapped } from './ip-address.js';
import { METADATA_MAX_BYTES, readMetadata, type MmdbMetadata } from './mmdb-metadata.js';

export interface OpenedMmdb {
  readonly fd: number;
  readonly size: number;
  readonly metadata: MmdbMetadata;
}

/**
 * Opens a MaxMind DB and checks it from its metadata alone: readable, a MaxMind DB, and of a type
 * `wrongType` accepts (it returns the message for a database of another type, or null). Anything
 * else is a GeoIpError naming the file; the descriptor is closed then.
 */
export function openMmdbFile(path: string, what: string, wrongType: (databaseType: string) => string | null): OpenedMmdb {
  let fd: number;
  let size: number;
  let tail: Buffer;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new GeoIpError(`${path}: cannot read the ${what}: ${describeFsError(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
    const n = Math.min(size, METADATA_MAX_BYTES);
    tail = Buffer.allocUnsafe(n);
    readFullyAt(fd, tail, 0, n, size - n);
  } catch (err) {
    closeSync(fd);
    throw new GeoIpError(`${path}: cannot read the ${what}: ${describeFsError(err)}`);
  }
  let metadata: MmdbMetadata;
  try {
    metadata = readMetadata(tail);
  } catch (err) {
    closeSync(fd);
    const why = err instanceof Error ? err.message : String(err);
    throw new GeoIpError(`${path}: not a MaxMind DB (.mmdb) file: ${why}`);
  }
  const wrong = wrongType(metadata.databaseType);
  if (wrong !== null) {
    closeSync(fd);
    throw new GeoIpError(`${path}: ${wrong}`);
  }
  if (metadata.searchTreeSize > size) {
    closeSync(fd);
    throw new GeoIpError(`${path}: not a MaxMind DB (.mmdb) file: its search tree is larger than the file (truncated?)`);
  }
  return { fd, size, metadata };
}

/** The address a log gives, as the database looks it up: no brackets, `::ffff:`-mapped IPv4 unmapped. */
export function lookupAddress(ip: string): string {
  const address = ip.charCodeAt(0) === 0x5b && ip.charCodeAt(ip.length - 1) === 0x5d ? ip.slice(1, -1) : ip;
  return startsIpv4Mapped(address) && address.includes('.', 7) ? address.slice(7) : address;
}
