import { MAP } from './mmdb-format.js';
import { MmdbTree } from './mmdb-tree.js';

const NUMBER = Buffer.from('autonomous_system_number');
const ORGANIZATION = Buffer.from('autonomous_system_organization');

/** What an ASN database's record says about an address: its number (undefined when the record has none). */
export interface AsnRecord {
  readonly number: number | undefined;
  readonly organization: string | undefined;
}

/**
 * `autonomous_system_number` and `autonomous_system_organization` of an address, read straight
 * from a GeoLite2/GeoIP2 ASN database's bytes (the fields the ISP fork reads; IPv6 too).
 */
export class MmdbAsns extends MmdbTree<AsnRecord | null> {
  /** The record of an address, or null when the database has none. */
  find(address: string): AsnRecord | null {
    return this.lookup(address, null);
  }

  /** The organisation of each wanted AS number, from the whole database (for a report). */
  organizations(wanted: ReadonlySet<number>): Map<number, string> {
    const found = new Map<number, string>();
    this.eachRecord(
      (record) => {
        const r = this.decode(record);
        if (r?.number !== undefined && r.organization !== undefined && wanted.has(r.number) && !found.has(r.number)) found.set(r.number, r.organization);
      },
      () => found.size < wanted.size,
    );
    return found;
  }

  protected decode(record: number): AsnRecord | null {
    if (this.header(record).type !== MAP) return null;
    const n = this.scalarAt(this.valueOf(record, NUMBER));
    const org = this.scalarAt(this.valueOf(record, ORGANIZATION));
    return { number: typeof n === 'number' ? n : undefined, organization: typeof org === 'string' ? org : undefined };
  }
}
