import { closeSync } from 'node:fs';
import { GeoIpError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';
import { UNKNOWN_ISP } from '../core/month-layout.js';
import { PagedFile, readFullyAt } from './paged-file.js';
import { MmdbAsns, type AsnRecord } from './mmdb-asns.js';
import { lookupAddress, openMmdbFile } from './mmdb-file.js';
import type { MmdbMetadata } from './mmdb-metadata.js';

const CACHE_LIMIT = 100_000;

/**
 * A GeoLite2/GeoIP2 ASN database, for the ISP fork's layout (docs/fork-isp.md): the ISP of an
 * address is `AS<autonomous_system_number>`, and `?` when its record has no number — or, our fix,
 * when the database has no record for it at all (the fork raises and loses the login). IPv6 is
 * looked up too (the fork looks up IPv4 only). Read on demand like the City database.
 */
export class AsnDatabase {
  private readonly cache = new Map<string, string>();
  private asns: MmdbAsns | null = null;

  private constructor(
    readonly path: string,
    private fd: number | null,
    private readonly size: number,
    private readonly metadata: MmdbMetadata,
  ) {}

  /** Opens and checks the database: a City/Country (or any non-ASN) database is a GeoIpError naming its type. */
  static open(path: string): AsnDatabase {
    const { fd, size, metadata } = openMmdbFile(path, 'ASN database', (type) =>
      /asn/i.test(type) ? null : `a ${type} database has no autonomous systems; --asn-mmdb takes a GeoLite2/GeoIP2 ASN database`,
    );
    return new AsnDatabase(path, fd, size, metadata);
  }

  get databaseType(): string {
    return this.metadata.databaseType;
  }

  /** `AS<n>`, or `?` when unknown (no address, no record, a record without a number). */
  isp(ip: string | null): string {
    if (ip === null) return UNKNOWN_ISP;
    let isp = this.cache.get(ip);
    if (isp === undefined) {
      const n = this.find(ip)?.number;
      isp = n === undefined ? UNKNOWN_ISP : `AS${n}`;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(ip, isp);
    }
    return isp;
  }

  /** The record of an address, or null when the database has none (or it cannot be followed). */
  find(ip: string): AsnRecord | null {
    try {
      return this.reader().find(lookupAddress(ip));
    } catch (err) {
      if (err instanceof GeoIpError) throw err;
      return null;
    }
  }

  private reader(): MmdbAsns {
    if (this.asns) return this.asns;
    if (this.fd === null) throw new GeoIpError(`${this.path}: the ASN database was closed`);
    const file = new PagedFile(this.fd, this.size, (err) => new GeoIpError(`${this.path}: cannot read the ASN database: ${describeFsError(err)}`));
    return (this.asns = new MmdbAsns(file, this.metadata));
  }

  /** Names of the wanted AS numbers (`autonomous_system_organization`), reading the whole file at once: for `report`. */
  organizations(wanted: ReadonlySet<number>): Map<number, string> {
    if (this.fd === null) throw new GeoIpError(`${this.path}: the ASN database was closed`);
    const bytes = Buffer.allocUnsafe(this.size);
    try {
      readFullyAt(this.fd, bytes, 0, this.size, 0);
    } catch (err) {
      throw new GeoIpError(`${this.path}: cannot read the ASN database: ${describeFsError(err)}`);
    }
    try {
      return new MmdbAsns(bytes, this.metadata).organizations(wanted);
    } catch (err) {
      throw new GeoIpError(`${this.path}: the ASN database cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
