import { readFileSync } from 'node:fs';
import { Reader, type CityResponse } from 'maxmind';
import type { GeoPlace } from '../core/geo-key.js';
import { GeoIpError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';

// One server sees a bounded set of addresses per day, but the set over years is not bounded.
const CACHE_LIMIT = 100_000;
const IPV4_MAPPED = '::ffff:';

/**
 * A GeoIP2/GeoLite2 City database read with `maxmind`'s reader, answering the three parts of the
 * module's geo key. IPv6 works, `::ffff:`-mapped IPv4 is unmapped, and anything else (an address
 * the database lacks, `hidden_by_ejabberd`, garbage) is simply unknown: the module would crash.
 */
export class GeoIpDatabase {
  private readonly cache = new Map<string, GeoPlace | null>();

  private constructor(
    readonly path: string,
    private readonly reader: Reader<CityResponse>,
  ) {}

  /** Opens and checks the database; a missing or foreign file is a GeoIpError naming it. */
  static open(path: string): GeoIpDatabase {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new GeoIpError(`${path}: cannot read the GeoIP database: ${describeFsError(err)}`);
    }
    let reader: Reader<CityResponse>;
    try {
      reader = new Reader<CityResponse>(bytes);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new GeoIpError(`${path}: not a MaxMind DB (.mmdb) file: ${why}`);
    }
    const type = reader.metadata.databaseType;
    if (!/city|country/i.test(type)) {
      throw new GeoIpError(`${path}: a ${type} database has no countries; use a GeoIP2/GeoLite2 City database`);
    }
    return new GeoIpDatabase(path, reader);
  }

  get databaseType(): string {
    return this.reader.metadata.databaseType;
  }

  get buildTime(): Date {
    return this.reader.metadata.buildEpoch;
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
    let record: CityResponse | null;
    try {
      record = this.reader.get(address);
    } catch {
      return null; // not an IP address at all
    }
    if (!record) return null;
    return {
      country: record.country?.iso_code,
      subdivision: record.subdivisions?.[0]?.iso_code,
      city: record.city?.geoname_id,
    };
  }
}
