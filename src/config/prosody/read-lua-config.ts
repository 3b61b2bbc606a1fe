import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { normalizeName } from '../../core/normalize.js';
import { ConfigError } from '../../errors.js';
import { describeFsError } from '../../sources/log-input.js';
import { evaluateLuaData, type ConfigTarget } from './evaluate-lua-data.js';
import { formatWhere, type LuaData, type TableEntry, type Where } from './lua-data.js';

/** The global section's name, as in Prosody. */
export const GLOBAL = '*';

export interface DeclaredHost {
  /** Name-prepped (case-folded) like Prosody does. */
  readonly name: string;
  readonly kind: 'VirtualHost' | 'Component';
  /** A Component's module (`Component "conference.example.com" "muc"`), else null. */
  readonly module: string | null;
  readonly where: Where;
}

/** A Lua config read as data: options per section (`*` = global) and the hosts in file order. */
export interface LuaConfig {
  readonly file: string;
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, TableEntry>>;
  readonly hosts: readonly DeclaredHost[];
}

// Includes that include each other would never end; Prosody would recurse until the stack overflows.
const MAX_INCLUDE_DEPTH = 20;

/**
 * Reads prosody.cfg.lua (or our own config in the same form) with Prosody's configmanager rules:
 * an option set after `VirtualHost "x"` belongs to x, every file starts in the global section,
 * `Include` paths are relative to the including file, and a glob in the last path part includes
 * the matching files of that folder (sorted by name; Prosody takes them in directory order).
 */
export function readLuaConfig(path: string): LuaConfig {
  const sections = new Map<string, Map<string, TableEntry>>([[GLOBAL, new Map()]]);
  const hosts = new Map<string, DeclaredHost>();
  const depth: string[] = [];

  const section = (name: string) => {
    let options = sections.get(name);
    if (!options) sections.set(name, (options = new Map()));
    return options;
  };

  const target: ConfigTarget = {
    setOption(name, option, value, where) {
      if (value === null) section(name).delete(option);
      else section(name).set(option, { value, where });
    },
    getOption(name, option): LuaData {
      return sections.get(name)?.get(option)?.value ?? null;
    },
    declareHost(kind, name, module, where) {
      const host = normalizeName(name);
      const known = hosts.get(host);
      if (known && known.kind !== kind) {
        throw new ConfigError(`${formatWhere(where)}: ${kind} "${name}" clashes with the ${known.kind} declared at ${formatWhere(known.where)}`);
      }
      if (!known || module !== null) hosts.set(host, { name: host, kind, module: module ?? known?.module ?? null, where: known?.where ?? where });
      section(host);
      return host;
    },
    include(file, where) {
      for (const included of expandInclude(file, where)) readFile(included, where);
    },
  };

  const readFile = (file: string, from: Where | null) => {
    if (depth.length >= MAX_INCLUDE_DEPTH) {
      throw new ConfigError(`${from ? formatWhere(from) : file}: includes nest deeper than ${MAX_INCLUDE_DEPTH} files (an Include loop?)`);
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      const prefix = from ? `${formatWhere(from)}: Include "${file}"` : file;
      throw new ConfigError(`${prefix}: cannot read the config: ${describeFsError(err)}`);
    }
    depth.push(file);
    evaluateLuaData(file, bytes, target);
    depth.pop();
  };

  readFile(path, null);
  return { file: path, sections, hosts: [...hosts.values()] };
}

/** Prosody's `Include`: a path relative to the including file, or a glob in its last part. */
function expandInclude(file: string, where: Where): string[] {
  const base = dirname(where.file);
  if (!/[*?]/.test(file)) return [resolveFrom(base, file)];
  const folder = resolveFrom(base, dirname(file));
  const glob = globToRegExp(basename(file));
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (err) {
    throw new ConfigError(`${formatWhere(where)}: Include "${file}": cannot list ${folder}: ${describeFsError(err)}`);
  }
  return names
    .filter((name) => !name.startsWith('.') && glob.test(name))
    .sort()
    .map((name) => join(folder, name));
}

function resolveFrom(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** util.paths.glob_to_pattern: `*` any run, `?` one character, everything else literal. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, 's');
}
