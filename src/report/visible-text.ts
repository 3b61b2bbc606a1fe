/**
 * Text from a log (hosts, client categories, geo keys) as it is shown to a person: control
 * characters, bidi overrides and line feeds become visible `\u001b`, `\n` escapes instead of acting
 * on the terminal or the page layout.
 */
import { stripControl } from '../cli/reporter.js';

export function visibleText(s: string): string {
  return stripControl(s).replace(/\n/g, '\\n');
}
