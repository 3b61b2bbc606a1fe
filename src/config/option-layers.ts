import type { ClientPattern } from '../core/client-classifier.js';
import { CountryFilter } from '../core/country-filter.js';
import { mergeSql, type SqlLayer, type StorageLayer } from './storage-settings.js';

/** A value and where it came from: `file:line`, `--flag`, or `default`. */
export interface Sourced<T> {
  readonly value: T;
  readonly origin: string;
}

export interface SourcedPattern extends ClientPattern {
  readonly origin: string;
}

/** The module's options, as one source sets them for one section (global or a host). */
export interface CountingOptions {
  readonly mmdbPath?: Sourced<string>;
  readonly clientPatterns?: Sourced<readonly SourcedPattern[]>;
  readonly recordCountry?: Sourced<CountryFilter>;
}

/** Everything one source of configuration (Prosody's config, our file, the flags) says. */
export interface OptionLayer extends StorageLayer {
  readonly global: CountingOptions;
  /** Per-host overrides; keys are normalised host names. */
  readonly hosts: ReadonlyMap<string, CountingOptions>;
  readonly dataDir?: Sourced<string>;
  readonly inputs?: Sourced<readonly string[]>;
  readonly statePath?: Sourced<string>;
  /** This node's name in a cluster (`node_name`). */
  readonly nodeName?: Sourced<string>;
  /** Hosts this source declares even without options of their own (Prosody's VirtualHosts). */
  readonly declaredHosts?: readonly string[];
}

/** The options one host counts with, each with its origin. */
export interface HostSettings {
  readonly mmdbPath: Sourced<string | null>;
  readonly clientPatterns: Sourced<readonly SourcedPattern[]>;
  readonly recordCountry: Sourced<CountryFilter>;
}

export interface EffectiveSettings {
  readonly dataDir: Sourced<string | null>;
  readonly inputs: Sourced<readonly string[]>;
  readonly statePath: Sourced<string | null>;
  readonly nodeName: Sourced<string | null>;
  /** `internal`, `sql` (or what else a Prosody config names: refused when the store is opened). */
  readonly storage: Sourced<string>;
  readonly sql: SqlLayer;
  /** What a host that no source names counts with. */
  readonly global: HostSettings;
  /** Every host some source names, in the order first named. */
  readonly hosts: ReadonlyMap<string, HostSettings>;
}

const DEFAULT = 'default';

/**
 * Merges sources, lowest precedence first (Prosody config < our config file < flags). For each host
 * and option the highest source that sets it wins; within one source a host's own value beats the
 * source's global one. So a flag applies to every host, and a host section of Prosody's config
 * beats Prosody's global section but not our config file's global value.
 */
export function mergeLayers(layers: readonly OptionLayer[]): EffectiveSettings {
  const top = [...layers].reverse();
  const pick = <T>(get: (layer: OptionLayer) => Sourced<T> | undefined, fallback: T): Sourced<T> => {
    for (const layer of top) {
      const value = get(layer);
      if (value !== undefined) return value;
    }
    return { value: fallback, origin: DEFAULT };
  };
  const settingsFor = (host: string | null): HostSettings => {
    const option = <K extends keyof CountingOptions>(key: K) => (layer: OptionLayer) =>
      (host === null ? undefined : layer.hosts.get(host)?.[key]) ?? layer.global[key];
    return {
      mmdbPath: pick<string | null>(option('mmdbPath') as (l: OptionLayer) => Sourced<string> | undefined, null),
      clientPatterns: pick(option('clientPatterns') as (l: OptionLayer) => Sourced<readonly SourcedPattern[]> | undefined, []),
      recordCountry: pick(option('recordCountry') as (l: OptionLayer) => Sourced<CountryFilter> | undefined, CountryFilter.ALL),
    };
  };

  const hostNames = new Set<string>();
  for (const layer of layers) {
    for (const host of layer.declaredHosts ?? []) hostNames.add(host);
    for (const host of layer.hosts.keys()) hostNames.add(host);
  }
  return {
    dataDir: pick<string | null>((l) => l.dataDir, null),
    inputs: pick<readonly string[]>((l) => l.inputs, []),
    statePath: pick<string | null>((l) => l.statePath, null),
    nodeName: pick<string | null>((l) => l.nodeName, null),
    storage: pick<string>((l) => l.storage, 'internal'),
    sql: mergeSql(layers.map((l) => l.sql)),
    global: settingsFor(null),
    hosts: new Map([...hostNames].map((host) => [host, settingsFor(host)])),
  };
}
