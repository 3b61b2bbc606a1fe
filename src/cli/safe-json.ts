import { TERMINAL_UNSAFE, escapeChar } from './reporter.js';

/**
 * JSON for stdout that may be a terminal: JSON.stringify escapes C0 controls only, so C1 controls,
 * bidi controls and U+2028/2029 from a log (resources, names) are escaped too. Still valid JSON
 * that parses back to the same values (the characters only ever occur inside strings).
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(TERMINAL_UNSAFE, escapeChar);
}
