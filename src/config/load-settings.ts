import { accessSync, constants } from 'node:fs';
import { parseClientPattern, parseRecordCountry } from './parse-options.js';
import { mergeLayers, type OptionLayer } from './option-layers.js';
import { ownConfigLayer } from './own-config-file.js';
import { prosodyLayer, type ProsodyFacts } from './prosody/prosody-layer.js';
import type { HostOptions, RunConfig } from './run-config.js';
import { storageFlagsLayer, type StorageFlags } from './storage-settings.js';

/**
 * Read when no --data-dir, --prosody-config or --config is given and the file exists and is readable
 * (Debian installs it root:prosody 640: a user who cannot read it did not mean to use it).
 */
export const DEFAULT_PROSODY_CONFIG = '/etc/prosody/prosody.cfg.lua';
/** Overrides DEFAULT_PROSODY_CONFIG (tests; an empty value turns auto-detection off). */
export const PROSODY_CONFIG_ENV = 'MONTHLY_VISITORS_PROSODY_CONFIG';

/** Configuration as given on the command line, before validation. */
export interface ConfigFlags extends StorageFlags {
  readonly config?: string;
  readonly prosodyConfig?: string;
  readonly dataDir?: string;
  readonly mmdb?: string;
  readonly clientPattern: readonly string[];
  readonly recordCountry?: string;
}

export type CountingConfig = Pick<
  RunConfig,
  'dataDir' | 'mmdbPath' | 'clientPatterns' | 'recordCountry' | 'hostOptions' | 'inputs' | 'statePath' | 'nodeName' | 'settings' | 'prosody' | 'layout' | 'asnMmdbPath'
>;

/**
 * Reads every source of configuration, later wins: prosody.cfg.lua < our config file < flags
 * (SPEC §9), and validates all of it before any work starts.
 */
export function loadCountingConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): CountingConfig {
  const layers: OptionLayer[] = [];
  let prosody: ProsodyFacts | null = null;
  const prosodyPath = flags.prosodyConfig ?? autoDetectedProsodyConfig(flags, env);
  if (prosodyPath !== undefined) {
    const read = prosodyLayer(prosodyPath);
    layers.push(read.layer);
    prosody = read.facts;
  }
  if (flags.config !== undefined) layers.push(ownConfigLayer(flags.config));
  layers.push(flagsLayer(flags));

  const settings = mergeLayers(layers);
  const hostOptions = new Map<string, HostOptions>();
  for (const [host, s] of settings.hosts) {
    hostOptions.set(host, { mmdbPath: s.mmdbPath.value, clientPatterns: s.clientPatterns.value, recordCountry: s.recordCountry.value });
  }
  return {
    dataDir: settings.dataDir.value,
    mmdbPath: settings.global.mmdbPath.value,
    clientPatterns: settings.global.clientPatterns.value,
    recordCountry: settings.global.recordCountry.value,
    hostOptions,
    inputs: settings.inputs.value,
    statePath: settings.statePath.value,
    nodeName: settings.nodeName.value,
    settings,
    prosody,
    // The ISP fork's options in prosody.cfg.lua select its layout (docs/fork-isp.md).
    ...(prosody?.forkIsp ? { layout: 'fork-isp' as const, asnMmdbPath: prosody.forkIsp.asnMmdbPath?.value ?? null } : {}),
  };
}

function autoDetectedProsodyConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.dataDir !== undefined || flags.config !== undefined) return undefined;
  const path = env[PROSODY_CONFIG_ENV] ?? DEFAULT_PROSODY_CONFIG;
  return path !== '' && readable(path) ? path : undefined;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Flags set the global options, so they apply to every host. Relative paths: the working dir. */
function flagsLayer(flags: ConfigFlags): OptionLayer {
  const patterns = flags.clientPattern.map((spec) => ({ ...parseClientPattern(spec), origin: '--client-pattern' }));
  return {
    global: {
      mmdbPath: flags.mmdb === undefined ? undefined : { value: flags.mmdb, origin: '--mmdb' },
      clientPatterns: patterns.length === 0 ? undefined : { value: patterns, origin: '--client-pattern' },
      recordCountry: flags.recordCountry === undefined ? undefined : { value: parseRecordCountry(flags.recordCountry), origin: '--record-country' },
    },
    hosts: new Map(),
    dataDir: flags.dataDir === undefined ? undefined : { value: flags.dataDir, origin: '--data-dir' },
    ...storageFlagsLayer(flags),
  };
}
