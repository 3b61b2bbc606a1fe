import { formatWhere, DataTable, type TableEntry } from './lua-data.js';
import { GLOBAL, readLuaConfig, type DeclaredHost } from './read-lua-config.js';
import { defaultLogFiles, logSinks, type LogLevel } from './log-sinks.js';
import type { CountingOptions, OptionLayer, Sourced } from '../option-layers.js';
import { forkAsnPath, namesForkOptions, readForkCountingOptions } from './fork-isp-config.js';
import { readCountingOptions, readPath } from '../read-options.js';
import { prosodyStorage } from './prosody-storage.js';

/** The module's own option names in prosody.cfg.lua. */
export const MODULE_OPTIONS = {
  mmdbPath: 'mod_monthly_visitors_mmdb_path',
  clientPatterns: 'mod_monthly_visitors_client_patterns',
  recordCountry: 'mod_monthly_visitors_record_country',
};

/** Prosody's data dir when data_path is not set: CFG_DATADIR of Debian's package. */
export const PROSODY_DEFAULT_DATA_PATH = '/var/lib/prosody';

/** What `check` reports about a Prosody config beyond the options themselves. */
export interface ProsodyFacts {
  readonly file: string;
  readonly hosts: readonly DeclaredHost[];
  /** Where mod_monthly_visitors itself is loaded: the server would count too. */
  readonly moduleLoadedOn: ReadonlyArray<{ host: string; origin: string }>;
  /** The level of the log files chosen as default inputs, null when no file sink has logins. */
  readonly logLevel: LogLevel | null;
  /** Sinks that are not files we can read back (syslog, console…). */
  readonly otherSinks: readonly string[];
  /** Set when the config names the ISP fork's options (docs/fork-isp.md): its ASN database, if named. */
  readonly forkIsp?: { readonly asnMmdbPath: Sourced<string> | undefined };
}

const MODULE_NAME = 'monthly_visitors';

/** Reads prosody.cfg.lua (as data) into a source of options, and the facts `check` reports. */
export function prosodyLayer(path: string): { layer: OptionLayer; facts: ProsodyFacts } {
  const config = readLuaConfig(path);
  const global = config.sections.get(GLOBAL);
  // Components are services (MUC, upload…): nobody logs in to them, so they count nothing.
  const virtualHosts = config.hosts.filter((h) => h.kind === 'VirtualHost').map((h) => h.name);
  const fork = namesForkOptions(config.sections);
  const readOptions = (section: ReadonlyMap<string, TableEntry> | undefined) => (fork ? readForkCountingOptions(section) : readCountingOptions(section, MODULE_OPTIONS));
  const hosts = new Map<string, CountingOptions>();
  for (const host of virtualHosts) hosts.set(host, readOptions(config.sections.get(host)));
  const dataPath = global?.get('data_path');
  const sinks = logSinks(global?.get('log'));
  const logs = defaultLogFiles(sinks);
  const dataDir = dataPath ? readPath(dataPath, 'data_path') : { value: PROSODY_DEFAULT_DATA_PATH, origin: `${path}: no data_path, Prosody's default` };
  const layer: OptionLayer = {
    global: readOptions(global),
    hosts,
    dataDir,
    ...prosodyStorage(config, virtualHosts, dataDir.value),
    inputs: logs.files.length > 0 ? { value: logs.files, origin: logs.origins.join(', ') } : undefined,
    declaredHosts: virtualHosts,
  };
  return {
    layer,
    facts: {
      file: path,
      hosts: config.hosts,
      moduleLoadedOn: hostsLoadingModule(config.sections, config.hosts),
      logLevel: logs.level,
      otherSinks: sinks.filter((s) => s.to !== 'file').map((s) => `*${s.to} (${s.origin})`),
      ...(fork ? { forkIsp: { asnMmdbPath: forkAsnPath(global) } } : {}),
    },
  };
}

/**
 * Prosody 0.12's modulemanager (get_modules_for_host): global = modules_enabled - modules_disabled
 * of the global section (for a Component only a fixed list of inheritable modules, which does
 * not hold this one); a host loads (global + its own modules_enabled) - its own modules_disabled.
 */
function hostsLoadingModule(
  sections: ReadonlyMap<string, ReadonlyMap<string, TableEntry>>,
  hosts: readonly DeclaredHost[],
): Array<{ host: string; origin: string }> {
  const listed = (section: string, option: string): TableEntry | undefined => {
    const entry = sections.get(section)?.get(option);
    if (!(entry?.value instanceof DataTable)) return undefined;
    return entry.value.sequence().find((item) => item.value === MODULE_NAME);
  };
  const globalEnabled = listed(GLOBAL, 'modules_disabled') ? undefined : listed(GLOBAL, 'modules_enabled');
  const found: Array<{ host: string; origin: string }> = [];
  for (const host of hosts) {
    const enabled = listed(host.name, 'modules_enabled') ?? (host.kind === 'VirtualHost' ? globalEnabled : undefined);
    if (enabled && !listed(host.name, 'modules_disabled')) found.push({ host: host.name, origin: formatWhere(enabled.where) });
  }
  return found;
}
