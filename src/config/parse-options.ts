import { LuaPattern } from '../core/lua-pattern/index.js';
import type { ClientPattern } from '../core/client-classifier.js';
import { CountryFilter } from '../core/country-filter.js';
import { countryCodeInstead, isCountryCode } from '../core/iso-countries.js';
import { ConfigError, UsageError } from '../errors.js';

/**
 * `luapattern=CATEGORY`, split at the last `=` (a Lua pattern may contain `=`, a category may not).
 * The pattern is compiled now, so a malformed one stops the run before any work.
 */
export function parseClientPattern(spec: string): ClientPattern {
  const eq = spec.lastIndexOf('=');
  if (eq <= 0 || eq === spec.length - 1) {
    throw new UsageError(`--client-pattern ${JSON.stringify(spec)}: expected <lua pattern>=<CATEGORY>, e.g. '^Conversations%..*=ANDROID'`);
  }
  return { pattern: LuaPattern.compile(spec.slice(0, eq)), category: spec.slice(eq + 1) };
}

const TWO_LETTERS = /^[A-Z]{2}$/;

/** `ALL`, one assigned ISO 3166-1 alpha-2 code, or a comma list (case-insensitive). */
export function parseRecordCountry(value: string, what = '--record-country'): CountryFilter {
  const trimmed = value.trim();
  if (trimmed.toUpperCase() === 'ALL') return CountryFilter.ALL;
  const codes = trimmed.split(',').map((c) => c.trim().toUpperCase());
  for (const code of codes) {
    if (isCountryCode(code)) continue;
    const instead = countryCodeInstead(code);
    const why =
      code === '' ? 'empty country code'
      : !TWO_LETTERS.test(code) ? `${JSON.stringify(code)} is not a two-letter ISO country code`
      : instead !== undefined ? `${code} is not an ISO 3166-1 country code; use ${instead}`
      : `${code} is not an assigned ISO 3166-1 country code`;
    throw new ConfigError(`${what} ${JSON.stringify(value)}: ${why}${instead === undefined ? '; use ALL, DE, or DE,AT,CH' : ''}`);
  }
  return CountryFilter.only(codes);
}

export function parseYear(value: string): number {
  if (!/^\d{4}$/.test(value.trim())) throw new UsageError(`--year ${JSON.stringify(value)}: expected a four-digit year, e.g. 2026`);
  return Number(value);
}
