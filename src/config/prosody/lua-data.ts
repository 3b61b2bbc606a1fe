/**
 * The values a configuration file can hold once read as Lua *data*: strings, numbers, booleans, nil
 * and tables. Tables remember the order their keys were first set and where each entry was set,
 * because client patterns are tried in the order they were written and `check` says where every
 * value came from.
 */

/** A place in a configuration file, printed `file:line` (line 0: JSON, which has no lines for us). */
export interface Where {
  readonly file: string;
  readonly line: number;
}

export function formatWhere(where: Where): string {
  return where.line > 0 ? `${where.file}:${where.line}` : where.file;
}

export type LuaKey = string | number | boolean;
/** `null` is Lua's nil. */
export type LuaData = string | number | boolean | null | DataTable;

export interface TableEntry {
  readonly value: Exclude<LuaData, null>;
  readonly where: Where;
}

/** A Lua table with entries in order of first assignment (a reassigned key keeps its place). */
export class DataTable {
  private readonly map = new Map<LuaKey, TableEntry>();

  get(key: LuaKey): LuaData {
    return this.map.get(normalizeKey(key))?.value ?? null;
  }

  /** Assigning nil removes the entry, as in Lua. */
  set(key: LuaKey, value: LuaData, where: Where): void {
    const k = normalizeKey(key);
    if (value === null) this.map.delete(k);
    else this.map.set(k, { value, where });
  }

  entries(): IterableIterator<[LuaKey, TableEntry]> {
    return this.map.entries();
  }

  /** The array part: values at 1, 2, … up to the first hole (what `ipairs` visits). */
  sequence(): TableEntry[] {
    const out: TableEntry[] = [];
    for (let i = 1; ; i++) {
      const entry = this.map.get(i);
      if (!entry) return out;
      out.push(entry);
    }
  }

  /** Lua's `#t` for a table without holes. */
  get length(): number {
    return this.sequence().length;
  }
}

/** Lua converts float keys with an integral value to integers: t[1.0] is t[1]. */
function normalizeKey(key: LuaKey): LuaKey {
  return typeof key === 'number' && Object.is(key, -0) ? 0 : key;
}

export function luaTypeOf(value: LuaData): string {
  if (value === null) return 'nil';
  if (value instanceof DataTable) return 'table';
  return typeof value;
}
