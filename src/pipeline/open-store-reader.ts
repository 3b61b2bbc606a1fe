import { checkDataDir } from './preflight.js';
import { ProsodyFileStore } from '../storage/prosody-file-store.js';
import { fileStoreReader, type StoreLocation, type StoreReader } from '../storage/store-reader.js';
import { openSqlConnection } from '../storage/sql/sql-stats-store.js';
import { SqlStats } from '../storage/sql/sql-stats.js';
import { sqlStoreReader } from '../storage/sql/sql-store-reader.js';

/**
 * Opens a store that must exist, to read it only (report, check, a migrate source): no lock, no
 * transaction, nothing created. A missing data dir or SQLite file is a StoreIoError naming it.
 */
export function openStoreReader(location: StoreLocation): StoreReader & { close(): void } {
  if (location.kind === 'internal') {
    checkDataDir(location.dataDir, 'read');
    return { ...fileStoreReader(new ProsodyFileStore(location.dataDir)), close: () => {} };
  }
  const stats = new SqlStats(openSqlConnection(location.sql, { dryRun: true, readOnly: true }), { dryRun: true });
  return { ...sqlStoreReader(stats), close: () => stats.close() };
}
