import { LuaPattern } from './lua-pattern/index.js';
import { PatternError } from '../errors.js';

/** One `client_patterns` entry: a Lua pattern and the category it names. */
export interface ClientPattern {
  readonly pattern: LuaPattern;
  readonly category: string;
}

/** Category of a resource that matches no pattern, or of a login whose resource is unknown. */
export const UNKNOWN_CLIENT = '?';

// Distinct resources are attacker-chosen and unbounded; the cache must not be.
const CACHE_LIMIT = 10_000;
// ...and so must its size in bytes: a real resource is at most 1023 bytes (XMPP's limit); a longer
// one (only a forged or damaged log has it, up to a 1 MB line) is classified without being kept.
const CACHED_RESOURCE_MAX = 1023;

/**
 * Classifies a resource by the first pattern (in the order they were written) that matches.
 * The module iterates a Lua table, whose order is random; a defined order is our improvement.
 */
export class ClientClassifier {
  private readonly cache = new Map<string, string>();
  /**
   * Classifications in which a pattern hit the matcher's step limit (MAX_MATCH_STEPS, ~0.1 s). Such a
   * pattern counts as not matching that resource: an attacker-chosen resource must not stop the run.
   */
  gaveUp = 0;

  constructor(readonly patterns: readonly ClientPattern[]) {}

  classify(resource: string | null): string {
    if (resource === null) return UNKNOWN_CLIENT;
    let category = this.cache.get(resource);
    if (category === undefined) {
      category = this.firstMatch(resource);
      if (resource.length > CACHED_RESOURCE_MAX) return category;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(resource, category);
    }
    return category;
  }

  private firstMatch(resource: string): string {
    for (const { pattern, category } of this.patterns) {
      try {
        if (pattern.test(resource)) return category;
      } catch (err) {
        if (!(err instanceof PatternError)) throw err;
        this.gaveUp++;
      }
    }
    return UNKNOWN_CLIENT;
  }
}
