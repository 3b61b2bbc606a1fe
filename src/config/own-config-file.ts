import { readFileSync } from 'node:fs';
import { normalizeName } from '../core/normalize.js';
import { ConfigError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';
import type { CountingOptions, OptionLayer } from './option-layers.js';
import { readCountingOptions, readPath, readPathList, readString } from './read-options.js';
import { DataTable, formatWhere, type TableEntry, type Where } from './prosody/lua-data.js';
import { GLOBAL, readLuaConfig } from './prosody/read-lua-config.js';

/**
 * Our own config file (`--config`), for servers without a prosody.cfg.lua (ejabberd): the module's
 * option names without the `mod_monthly_visitors_` prefix, plus `data_path`, `inputs`, `state`, `node_name` and
 * per-host overrides under `hosts`. JSON, or (file name ending in `.lua`) the same as Lua data,
 * where `VirtualHost "example.com"` sections are per-host overrides too.
 */

const NAMES = { mmdbPath: 'mmdb_path', clientPatterns: 'client_patterns', recordCountry: 'record_country' };
const GLOBAL_KEYS = new Set(['data_path', 'inputs', 'state', 'node_name', 'hosts', ...Object.values(NAMES)]);
const HOST_KEYS = new Set(Object.values(NAMES));

export function ownConfigLayer(path: string): OptionLayer {
  const { global, sections } = path.endsWith('.lua') ? readLuaForm(path) : readJsonForm(path);
  checkKeys(global, GLOBAL_KEYS, 'option');
  const hosts = new Map<string, CountingOptions>();
  const addHost = (name: string, options: ReadonlyMap<string, TableEntry>) => {
    checkKeys(options, HOST_KEYS, `option for host ${name}`);
    hosts.set(normalizeName(name), readCountingOptions(options, NAMES));
  };
  for (const [name, options] of sections) addHost(name, options);
  const hostsEntry = global.get('hosts');
  if (hostsEntry) {
    if (!(hostsEntry.value instanceof DataTable)) fail(hostsEntry.where, 'hosts must map host names to their options');
    for (const [name, entry] of hostsEntry.value.entries()) {
      if (typeof name !== 'string' || !(entry.value instanceof DataTable)) fail(entry.where, 'hosts must map host names to their options');
      addHost(name, sectionOf(entry.value));
    }
  }
  const data = global.get('data_path');
  const inputs = global.get('inputs');
  const state = global.get('state');
  const nodeName = global.get('node_name');
  return {
    global: readCountingOptions(global, NAMES),
    hosts,
    dataDir: data && readPath(data, 'data_path'),
    inputs: inputs && readPathList(inputs, 'inputs'),
    statePath: state && readPath(state, 'state'),
    nodeName: nodeName && readString(nodeName, 'node_name'),
  };
}

interface Sections {
  global: ReadonlyMap<string, TableEntry>;
  sections: ReadonlyMap<string, ReadonlyMap<string, TableEntry>>;
}

function readLuaForm(path: string): Sections {
  const config = readLuaConfig(path);
  const sections = new Map(config.sections);
  const global = sections.get(GLOBAL) ?? new Map();
  sections.delete(GLOBAL);
  return { global, sections };
}

function readJsonForm(path: string): Sections {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config: ${describeFsError(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${err instanceof Error ? err.message : String(err)} (a Lua config file must end in .lua)`);
  }
  const where: Where = { file: path, line: 0 };
  const root = fromJson(json, where);
  if (!(root instanceof DataTable) || Array.isArray(json)) fail(where, 'expected a JSON object of options');
  return { global: sectionOf(root), sections: new Map() };
}

/** JSON as the same data a Lua config gives: arrays become sequences, objects keep key order. */
function fromJson(value: unknown, where: Where): string | number | boolean | DataTable | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  const table = new DataTable();
  if (Array.isArray(value)) value.forEach((item, i) => table.set(i + 1, fromJson(item, where), where));
  else for (const [key, item] of Object.entries(value as object)) table.set(key, fromJson(item, where), where);
  return table;
}

function sectionOf(table: DataTable): Map<string, TableEntry> {
  const section = new Map<string, TableEntry>();
  for (const [key, entry] of table.entries()) if (typeof key === 'string') section.set(key, entry);
  return section;
}

/** A misspelt option would silently do nothing: name it instead. */
function checkKeys(section: ReadonlyMap<string, TableEntry>, allowed: ReadonlySet<string>, what: string): void {
  for (const [key, entry] of section) {
    if (!allowed.has(key)) fail(entry.where, `unknown ${what} ${JSON.stringify(key)}; known: ${[...allowed].join(', ')}`);
  }
}

function fail(where: Where, message: string): never {
  throw new ConfigError(`${formatWhere(where)}: ${message}`);
}
