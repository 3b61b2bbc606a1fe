import { existsSync } from 'node:fs';
import { ProsodyFileStore } from '../storage/prosody-file-store.js';
import { StoreIoError } from '../errors.js';

export interface StoreCheck {
  readonly path: string;
  readonly exists: boolean;
  readonly writable: boolean;
  readonly hosts: string[];
  readonly userRecords: number;
}

/**
 * Reads every statistics file of a data dir (a corrupt one throws StoreFormatError naming it) and
 * says whether a run could write there. Writes nothing.
 */
export function checkStore(dataDir: string): StoreCheck {
  const store = new ProsodyFileStore(dataDir);
  const exists = existsSync(dataDir);
  const hosts = exists ? store.listHosts() : [];
  let userRecords = 0;
  for (const host of hosts) {
    store.readHostRecord(host);
    for (const _ of store.listUsers(host)) userRecords++;
  }
  // The same check a run makes first (it also covers a data dir that does not exist yet).
  let writable = true;
  try {
    store.checkWritable();
  } catch (err) {
    if (!(err instanceof StoreIoError)) throw err;
    writable = false;
  }
  return { path: dataDir, exists, writable, hosts, userRecords };
}
