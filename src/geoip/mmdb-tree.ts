import { addressBytes } from './ip-address.js';
import type { TreeShape } from './mmdb-format.js';
import { MmdbFields, type MmdbBytes } from './mmdb-fields.js';

/**
 * Lookups of addresses in a MaxMind DB's search tree, with the decoded result cached per data
 * record (the addresses of one network share it). Subclasses say what they read from a record.
 */
export abstract class MmdbTree<T> extends MmdbFields {
  private readonly ipv4Start: number;
  private readonly byRecord = new Map<number, T>();

  constructor(source: Buffer | MmdbBytes, tree: TreeShape) {
    super(source, tree);
    let node = 0;
    if (tree.ipVersion !== 4) for (let i = 0; i < 96 && node < tree.nodeCount; i++) node = this.child(node, 0);
    this.ipv4Start = node;
  }

  /** What the record of an address holds (no brackets, no `::ffff:` handling here), or `missing` when the database has none. */
  protected lookup(address: string, missing: T): T {
    const bytes = addressBytes(address);
    if (bytes === null) return missing;
    const record = this.recordOf(bytes);
    if (record < 0) return missing;
    let value = this.byRecord.get(record);
    if (value === undefined) {
      value = this.decode(record);
      if (this.byRecord.size >= 100_000) this.byRecord.clear();
      this.byRecord.set(record, value);
    }
    return value;
  }

  /** What one data record holds. */
  protected abstract decode(record: number): T;

  /** File offset of the address's data record, or -1 when the tree has none. */
  private recordOf(bytes: Uint8Array): number {
    const { nodeCount } = this.tree;
    let node = bytes.length === 4 ? this.ipv4Start : 0;
    const bits = bytes.length * 8;
    for (let depth = 0; depth < bits && node < nodeCount; depth++) {
      node = this.child(node, (bytes[depth >> 3] >>> (7 ^ (depth & 7))) & 1);
    }
    return node > nodeCount ? node - nodeCount + this.tree.searchTreeSize : -1;
  }
}
