import { UsageError } from '../errors.js';
import type { EffectiveSettings } from '../config/option-layers.js';
import { resolveStorage, storageFlagsLayer, type ResolvedStorage, type StorageFlags } from '../config/storage-settings.js';
import type { SqlOptions } from '../storage/sql/sql-connection.js';
import type { StoreLocation } from '../storage/store-reader.js';

/** `--storage` and `--sql-*` as commander hands them over. */
export type StorageRawOptions = { -readonly [K in keyof StorageFlags]: StorageFlags[K] };

/**
 * The store a command works on: the flags over our config file over prosody.cfg.lua (`storage`,
 * `sql`, `data_path`), checked. An internal store may still lack its data dir: see `requireStore`.
 */
export function storageOf(config: { settings?: EffectiveSettings }): ResolvedStorage {
  const s = config.settings;
  if (s === undefined) return { kind: 'internal', dataDir: null };
  return resolveStorage(s);
}

/** The store, or a UsageError saying what is missing (`what`: the data dir's role for this command). */
export function requireStore(config: { settings?: EffectiveSettings }, what: string): StoreLocation {
  const store = storageOf(config);
  if (store.kind === 'internal' && store.dataDir === null) {
    throw new UsageError(`--data-dir is required (or data_path in --config / --prosody-config, or --storage sql): the Prosody data directory ${what}, e.g. /var/lib/prosody`);
  }
  return store as StoreLocation;
}

/** The SQL database the flags alone name (migrate, whose --from/--to say which store is SQL). */
export function sqlOptionsFromFlags(raw: StorageRawOptions): SqlOptions {
  const store = resolveStorage({ storage: { value: 'sql', origin: '--storage' }, sql: storageFlagsLayer(raw).sql ?? {}, dataDir: { value: null, origin: 'default' } });
  return (store as Extract<StoreLocation, { kind: 'sql' }>).sql;
}
