import { closeSync } from 'node:fs';
import type { GeoPlace } from '../core/geo-key.js';
import { GeoIpError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';
import { PagedFile, readFullyAt } from './paged-file.js';
import { MmdbPlaces, type MmdbMetadata } from './mmdb-places.js';
import { lookupAddress, openMmdbFile } from './mmdb-file.js';
import { MmdbPlaceNames, type PlaceNamesFound, type PlacesToName } from './mmdb-place-names.js';

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
  private places: MmdbPlaces | null = null;

  private constructor(
    readonly path: string,
    private fd: number | null,
    private readonly size: number,
    private readonly metadata: MmdbMetadata,
  ) {}

  /** Opens and checks the database; a missing or foreign file is a GeoIpError naming it. */
  static open(path: string): GeoIpDatabase {
    const { fd, size, metadata } = openMmdbFile(path, 'GeoIP database', (type) =>
      databaseKind(type) === null
        ? `a ${JSON.stringify(type)} database has no places of logins; use a City database (GeoLite2-City, GeoIP2-City, GeoIP2-Enterprise, DBIP-City-Lite)`
        : null,
    );
    return new GeoIpDatabase(path, fd, size, metadata);
  }

  get databaseType(): string {
    return this.metadata.databaseType;
  }

  /** `country`: every login's geo key is `CC-?-?` (the database has no subdivisions or cities). */
  get kind(): DatabaseKind {
    return databaseKind(this.metadata.databaseType) ?? 'city';
  }

  get buildTime(): Date {
    return this.metadata.buildEpoch;
  }

  /**
   * The place of an address, or null when unknown. Not cached per address: nearly every counted
   * login of a backfill has an address of its own, and a miss in a cache of strings (hashing, a map
   * of up to 100,000) cost about as much as parsing and walking the tree again; places are cached
   * per database record instead.
   */
  locate(ip: string | null): GeoPlace | null {
    if (ip === null) return null;
    const address = lookupAddress(ip);
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

  /** The languages the database has names in. */
  get languages(): readonly string[] {
    return this.metadata.languages;
  }

  /**
   * Names of the wanted cities and subdivisions in `language` (else English), from the whole
   * database read at once: for `report`, never for counting runs.
   */
  placeNames(wanted: PlacesToName, language: string): PlaceNamesFound {
    if (this.fd === null) throw new GeoIpError(`${this.path}: the GeoIP database was closed`);
    const bytes = Buffer.allocUnsafe(this.size);
    try {
      readFullyAt(this.fd, bytes, 0, this.size, 0);
    } catch (err) {
      throw new GeoIpError(`${this.path}: cannot read the GeoIP database: ${describeFsError(err)}`);
    }
    try {
      return new MmdbPlaceNames(bytes, this.metadata).find(wanted, language);
    } catch (err) {
      throw new GeoIpError(`${this.path}: the GeoIP database cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Lets the file go (a follower that re-read the database on SIGHUP closes the old one). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export type DatabaseKind = 'city' | 'country';

/**
 * What a database's records hold, from its `database_type`, as MaxMind's own readers decide it
 * (a substring of the type): City types and Enterprise (a City superset) have subdivisions and
 * cities; Country types only countries; ASN, ISP, Anonymous-IP, Domain, Connection-Type… no place.
 */
export function databaseKind(type: string): DatabaseKind | null {
  if (/City|Enterprise/.test(type)) return 'city';
  if (/Country/.test(type)) return 'country';
  return null;
}
