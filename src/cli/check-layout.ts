import { checkRunLayout } from '../core/month-layout.js';
import type { RunConfig } from '../config/run-config.js';
import type { ResolvedStorage } from '../config/storage-settings.js';
import { isDir } from '../storage/fs-util.js';
import { openAsnDatabase } from '../pipeline/fork-layout.js';
import { openStoreReader } from '../pipeline/open-store-reader.js';
import { warnForkIsp } from './fork-isp-options.js';
import type { Reporter } from './reporter.js';

/**
 * `check` for the store's layout (docs/fork-isp.md): with the fork's, says so and opens its ASN
 * database; and reads every host record of an existing store for a month of the other
 * layout — what a run would stop on.
 */
export function checkLayout(config: RunConfig, location: ResolvedStorage, reporter: Reporter, result: Record<string, unknown>): void {
  const layout = config.layout ?? 'module';
  const asn = openAsnDatabase(config);
  if (asn !== null) {
    // Only the fork's layout is mentioned: the module's is what every run always wrote.
    result.layout = { layout, asnMmdb: { path: asn.path, type: asn.databaseType } };
    reporter.info(`layout: ${layout}; ASN database: ${asn.path}: ${asn.databaseType}`);
    asn.close();
    warnForkIsp(config, reporter);
  }
  if (location.kind === 'internal' && (location.dataDir === null || !isDir(location.dataDir))) return;
  let store;
  try {
    store = openStoreReader(location.kind === 'internal' ? { kind: 'internal', dataDir: location.dataDir! } : location);
  } catch {
    return; // no store yet: nothing to mix with (the store check says so)
  }
  try {
    for (const host of store.hosts()) checkRunLayout(store.hostRecord(host), layout, `${store.label}: host ${JSON.stringify(host)}`);
  } finally {
    store.close();
  }
}
