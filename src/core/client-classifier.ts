import { LuaPattern } from './lua-pattern/index.js';

/** One `client_patterns` entry: a Lua pattern and the category it names. */
export interface ClientPattern {
  readonly pattern: LuaPattern;
  readonly category: string;
}

/** Category of a resource that matches no pattern, or of a login whose resource is unknown. */
export const UNKNOWN_CLIENT = '?';

// Distinct resources are attacker-chosen and unbounded; the cache must not be.
const CACHE_LIMIT = 10_000;

/**
 * Classifies a resource by the first pattern (in the order they were written) that matches.
 * The module iterates a Lua table, whose order is random; a defined order is our improvement.
 */
export class ClientClassifier {
  private readonly cache = new Map<string, string>();

  constructor(readonly patterns: readonly ClientPattern[]) {}

  classify(resource: string | null): string {
    if (resource === null) return UNKNOWN_CLIENT;
    let category = this.cache.get(resource);
    if (category === undefined) {
      category = this.firstMatch(resource);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(resource, category);
    }
    return category;
  }

  private firstMatch(resource: string): string {
    for (const { pattern, category } of this.patterns) {
      if (pattern.test(resource)) return category;
    }
    return UNKNOWN_CLIENT;
  }
}
