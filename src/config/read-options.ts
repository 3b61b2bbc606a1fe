import { dirname, isAbsolute, resolve } from 'node:path';
import { LuaPattern } from '../core/lua-pattern/index.js';
import { ConfigError, PatternError } from '../errors.js';
import { parseRecordCountry } from './parse-options.js';
import type { CountingOptions, Sourced, SourcedPattern } from './option-layers.js';
import { DataTable, formatWhere, luaTypeOf, type LuaData, type TableEntry } from './prosody/lua-data.js';

/**
 * Turns configuration values (from prosody.cfg.lua or our own file, JSON or Lua) into validated
 * options with their origin. Every complaint names the file and line and the option.
 */

/** The option names of one section, mapped to the module's options. */
export interface OptionNames {
  readonly mmdbPath: string;
  readonly clientPatterns: string;
  readonly recordCountry: string;
}

export function readCountingOptions(section: ReadonlyMap<string, TableEntry> | undefined, names: OptionNames): CountingOptions {
  const mmdb = section?.get(names.mmdbPath);
  const patterns = section?.get(names.clientPatterns);
  const country = section?.get(names.recordCountry);
  return {
    mmdbPath: mmdb && readPath(mmdb, names.mmdbPath),
    clientPatterns: patterns && readClientPatterns(patterns, names.clientPatterns),
    recordCountry: country && readRecordCountry(country, names.recordCountry),
  };
}

export function readString(entry: TableEntry, name: string): Sourced<string> {
  if (typeof entry.value !== 'string') fail(entry, `${name} must be a string, not a ${luaTypeOf(entry.value)}`);
  return { value: entry.value, origin: formatWhere(entry.where) };
}

/** A path; a relative one is taken relative to the folder of the file that set it. */
export function readPath(entry: TableEntry, name: string): Sourced<string> {
  const { value, origin } = readString(entry, name);
  return { value: resolveBeside(entry.where.file, value), origin };
}

export function resolveBeside(file: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

export function readPathList(entry: TableEntry, name: string): Sourced<readonly string[]> {
  const items = entry.value instanceof DataTable ? entry.value.sequence() : [entry];
  return { value: items.map((item) => readPath(item, name).value), origin: formatWhere(entry.where) };
}

/**
 * Client patterns in the order they were written. Two shapes, mixed freely: the module's
 * `{ ["^Gajim"] = "DESKTOP" }` (key = pattern), and a list of `{ "^Gajim", "DESKTOP" }` pairs or
 * `{ pattern = "^Gajim", category = "DESKTOP" }` tables (JSON has no ordered objects to rely on).
 */
export function readClientPatterns(entry: TableEntry, name: string): Sourced<readonly SourcedPattern[]> {
  if (!(entry.value instanceof DataTable)) fail(entry, `${name} must be a table of pattern = category, not a ${luaTypeOf(entry.value)}`);
  const patterns: SourcedPattern[] = [];
  for (const [key, item] of entry.value.entries()) {
    let pattern: LuaData;
    let category: LuaData;
    if (typeof key === 'string') {
      [pattern, category] = [key, item.value];
    } else if (item.value instanceof DataTable) {
      const pair = item.value;
      [pattern, category] = [pair.get('pattern') ?? pair.get(1), pair.get('category') ?? pair.get(2)];
    } else {
      fail(item, `${name}: expected pattern = category, or a {pattern, category} pair, not a ${luaTypeOf(item.value)}`);
    }
    if (typeof pattern !== 'string' || typeof category !== 'string' || category === '') {
      fail(item, `${name}: a client pattern and its category must both be strings`);
    }
    patterns.push({ pattern: compilePattern(pattern, item), category, origin: formatWhere(item.where) });
  }
  return { value: patterns, origin: formatWhere(entry.where) };
}

function compilePattern(source: string, where: TableEntry): LuaPattern {
  try {
    return LuaPattern.compile(source);
  } catch (err) {
    if (err instanceof PatternError) throw new PatternError(`${formatWhere(where.where)}: ${err.message}`);
    throw err;
  }
}

/** `"ALL"`, `"DE"`, `"DE,AT"`, or (our extension) a list `{ "DE", "AT" }`. */
export function readRecordCountry(entry: TableEntry, name: string) {
  const origin = formatWhere(entry.where);
  const list = entry.value instanceof DataTable ? entry.value.sequence().map((item) => readString(item, name).value).join(',') : readString(entry, name).value;
  return { value: parseRecordCountry(list, `${origin}: ${name}`), origin };
}

function fail(entry: TableEntry, message: string): never {
  throw new ConfigError(`${formatWhere(entry.where)}: ${message}`);
}
