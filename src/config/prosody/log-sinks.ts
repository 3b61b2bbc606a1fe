import { resolveBeside } from '../read-options.js';
import { formatWhere, DataTable, type TableEntry } from './lua-data.js';

/**
 * Prosody's `log` option read the way core/loggingmanager.lua (0.12) reads it, to find the log
 * files worth replaying: `log = "file"` (info and up), `log = "*syslog"` (everything),
 * `log = { info = "file", error = "file" }` (that level and up), and a list of sink tables
 * `{ levels = { min = "debug" } or { "debug", "info" } or "debug", to = "file", filename = … }`.
 * A relative file name is taken relative to the config file that names it.
 */

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface LogSink {
  /** `file`, `syslog`, `console`, `stdout`, … */
  readonly to: string;
  readonly filename: string | null;
  readonly levels: ReadonlySet<LogLevel>;
  readonly origin: string;
}

export function logSinks(entry: TableEntry | undefined): LogSink[] {
  if (!entry) return []; // Prosody's default: the console, nothing to read back
  const beside = (name: string) => resolveBeside(entry.where.file, name);
  const origin = formatWhere(entry.where);
  const { value } = entry;
  if (typeof value === 'string') {
    if (value.startsWith('*')) return [{ to: value.slice(1), filename: null, levels: levelsOf(LEVELS), origin }];
    return [{ to: 'file', filename: beside(value), levels: levelsOf({ min: 'info' }), origin }];
  }
  if (!(value instanceof DataTable)) return [];
  const sinks: LogSink[] = [];
  for (const level of LEVELS) {
    const target = value.get(level);
    if (typeof target !== 'string') continue;
    const at = formatWhere(tableEntryWhere(value, level) ?? entry.where);
    if (target.startsWith('*')) sinks.push({ to: target.slice(1), filename: null, levels: levelsOf({ min: level }), origin: at });
    else sinks.push({ to: 'file', filename: beside(target), levels: levelsOf({ min: level }), origin: at });
  }
  for (const item of value.sequence()) {
    const at = formatWhere(item.where);
    if (typeof item.value === 'string') {
      if (item.value.startsWith('*')) sinks.push({ to: item.value.slice(1), filename: null, levels: levelsOf(LEVELS), origin: at });
    } else if (item.value instanceof DataTable) {
      const to = item.value.get('to');
      const filename = item.value.get('filename');
      const levels = item.value.get('levels');
      sinks.push({
        to: typeof to === 'string' ? to : '?',
        filename: typeof filename === 'string' ? beside(filename) : null,
        levels: levels === null ? levelsOf(LEVELS) : levelsOf(toCriteria(levels)),
        origin: at,
      });
    }
  }
  return sinks;
}

function tableEntryWhere(table: DataTable, key: string) {
  for (const [k, e] of table.entries()) if (k === key) return e.where;
  return undefined;
}

type Criteria = string | readonly string[] | { min?: string; max?: string; list?: readonly string[] };

function toCriteria(levels: unknown): Criteria {
  if (typeof levels === 'string') return levels;
  if (!(levels instanceof DataTable)) return [];
  const min = levels.get('min');
  const max = levels.get('max');
  const list = levels.sequence().map((e) => e.value).filter((v): v is string => typeof v === 'string');
  return { min: typeof min === 'string' ? min : undefined, max: typeof max === 'string' ? max : undefined, list };
}

/** loggingmanager's get_levels, quirks included (`{ max = "info" }` alone is just info). */
function levelsOf(criteria: Criteria): Set<LogLevel> {
  const set = new Set<LogLevel>();
  const known = (l: string): l is LogLevel => (LEVELS as readonly string[]).includes(l);
  if (typeof criteria === 'string') {
    if (known(criteria)) set.add(criteria);
    return set;
  }
  if (Array.isArray(criteria)) {
    for (const l of criteria) if (known(l)) set.add(l);
    return set;
  }
  const { min, max, list } = criteria as { min?: string; max?: string; list?: readonly string[] };
  if (min !== undefined || max !== undefined) {
    let inRange = false;
    for (const level of LEVELS) {
      if (min === level) {
        set.add(level);
        inRange = true;
      } else if (max === level) {
        set.add(level);
        break;
      } else if (inRange) set.add(level);
    }
  }
  for (const l of list ?? []) if (known(l)) set.add(l);
  return set;
}

/**
 * The files to replay by default: the file sinks that carry the most useful level present —
 * debug (resources, IPs) over info (logins only) — each once. Sinks without debug or info
 * (an error log) never hold logins.
 */
export function defaultLogFiles(sinks: readonly LogSink[]): { files: string[]; level: LogLevel | null; origins: string[] } {
  const files = sinks.filter((s) => s.to === 'file' && s.filename !== null);
  for (const level of ['debug', 'info'] as const) {
    const chosen = files.filter((s) => s.levels.has(level));
    if (chosen.length > 0) {
      return { files: [...new Set(chosen.map((s) => s.filename!))], level, origins: [...new Set(chosen.map((s) => s.origin))] };
    }
  }
  return { files: [], level: null, origins: [] };
}
