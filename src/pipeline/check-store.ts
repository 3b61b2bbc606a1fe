import { existsSync } from 'node:fs';
import { ProsodyFileStore } from '../storage/prosody-file-store.js';
import type { StoreLocation } from '../storage/store-reader.js';
import { StoreIoError } from '../errors.js';
import { openStoreReader } from './open-store-reader.js';

export interface StoreCheck {
  /** The data dir, or the SQL database (never its password). */
  readonly path: string;
  readonly exists: boolean;
  /** Whether a run could write there; null where that cannot be known without writing (SQL). */
  readonly writable: boolean | null;
  readonly hosts: string[];
  readonly userRecords: number;
}

/**
 * Reads every statistics record of a store — each .dat file, or each row (a corrupt one throws
 * StoreFormatError naming the file, or the row's host and key, never a user) — and says whether a
 * run could write there. Writes nothing.
 */
export function checkStore(location: StoreLocation): StoreCheck {
  const missing = location.kind === 'internal' ? !existsSync(location.dataDir) : location.sql.driver === 'sqlite3' && !existsSync(location.sql.database);
  let path = location.kind === 'internal' ? location.dataDir : `sqlite3:${location.sql.database}`;
  const hosts: string[] = [];
  let userRecords = 0;
  if (!missing) {
    const reader = openStoreReader(location);
    try {
      path = reader.label;
      for (const host of reader.hosts()) {
        hosts.push(host);
        reader.hostRecord(host);
        for (const _ of reader.marks(host)) userRecords++;
      }
    } finally {
      reader.close();
    }
  }
  return { path, exists: !missing, writable: location.kind === 'internal' ? dataDirWritable(location.dataDir) : null, hosts, userRecords };
}

/** The same check a run makes first (it also covers a data dir that does not exist yet). */
function dataDirWritable(dataDir: string): boolean {
  try {
    new ProsodyFileStore(dataDir).checkWritable();
    return true;
  } catch (err) {
    if (!(err instanceof StoreIoError)) throw err;
    return false;
  }
}
