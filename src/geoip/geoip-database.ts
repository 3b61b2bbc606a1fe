import { closeSync, fstatSync, openSync } from 'node:fs';
import type { GeoPlace } from '../core/geo-key.js';
import { GeoIpError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';
import { PagedFile, readFullyAt } from './paged-file.js';
import { METADATA_MAX_BYTES, MmdbPlaces, readMetadata, type MmdbMetadata } from './mmdb-places.js';

// One server sees a bounded set of addresses per day, but the set over years is not bounded.
const CACHE_LIMIT = 100_000;
const IPV4_MAPPED = '::ffff:';

/**
 * A GeoIP2/GeoLite2 City database, answering the three parts of the module's geo key. IPv6
 * works, `::ffff:`-mapped IPv4 is unmapped, and anything else (an address the database lacks,
 * `hidden_by_ejabberd`, garbage) is simply unknown: the module would crash.
 *
 * Opening checks the file (readable, a MaxMind DB, a City or Country type) from its metadata
 * alone; the rest (60 MB for GeoLite2-City) is read on demand, only the blocks lookups reach,
 * through the descriptor opened then (PagedFile): a cron run with nothing new reads none of it, one
 * with a few logins a few hundred KiB.
 */
export class GeoIpDatabase {
  private readonly cache = new Map<string, GeoPlace | null>();
  private places: MmdbPlaces | null = null;

  private constructor(
    readonly path: string,
    private fd: number | null,
    private readonly size: number,
    private readonly metadata: MmdbMetadata,
  ) {}

  /** Opens and checks the database; a missing or foreign file is a GeoIpError naming it. */
  static open(path: string): GeoIpDatabase {
    let fd: number;
    let size: number;
    let tail: Buffer;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new GeoIpError(`${path}: cannot read the GeoIP database: ${describeFsError(err)}`);
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
      throw new GeoIpError(`${path}: cannot read the GeoIP database: ${describeFsError(err)}`);
    }
    let metadata: MmdbMetadata;
    try {
      metadata = readMetadata(tail);
    } catch (err) {
      closeSync(fd);
      const why = err instanceof Error ? err.message : String(err);
      throw new GeoIpError(`${path}: not a MaxMind DB (.mmdb) file: ${why}`);
    }
    if (!/city|country/i.test(metadata.databaseType)) {
      closeSync(fd);
      throw new GeoIpError(`${path}: a ${metadata.databaseType} database has no countries; use a GeoIP2/GeoLite2 City database`);
    }
    if (metadata.searchTreeSize > size) {
      closeSync(fd);
      throw new GeoIpError(`${path}: not a MaxMind DB (.mmdb) file: its search tree is larger than the file (truncated?)`);
    }
    return new GeoIpDatabase(path, fd, size, metadata);
  }

  get databaseType(): string {
    return this.metadata.databaseType;
  }

  get buildTime(): Date {
    return this.metadata.buildEpoch;
  }

  /** The place of an address, or null when unknown. */
  locate(ip: string | null): GeoPlace | null {
    if (ip === null) return null;
    let place = this.cache.get(ip);
    if (place === undefined) {
      place = this.lookup(ip);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(ip, place);
    }
    return place;
  }

  private lookup(ip: string): GeoPlace | null {
    let address = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
    if (address.toLowerCase().startsWith(IPV4_MAPPED) && address.includes('.')) address = address.slice(IPV4_MAPPED.length);
    const places = (this.places ??= this.pages());
    try {
      return places.locate(address);
    } catch (err) {
      if (err instanceof GeoIpError) throw err; // the file could not be read: not an unknown place
      return null; // a record the reader cannot follow: unknown, as for any address without one
    }
  }

  /** The database read on demand through the descriptor opened and checked by `open`. */
  private pages(): MmdbPlaces {
    if (this.fd === null) throw new GeoIpError(`${this.path}: the GeoIP database was closed`);
    const file = new PagedFile(this.fd, this.size, (err) => new GeoIpError(`${this.path}: cannot read the GeoIP database: ${describeFsError(err)}`));
    return new MmdbPlaces(file, this.metadata);
  }

  /** Lets the file go (a follower that re-read the database on SIGHUP closes the old one). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
