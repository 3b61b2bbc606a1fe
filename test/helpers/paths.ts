import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** Repository root (tests run from dist/test/…). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = resolve(ROOT, 'fixtures');
export const BIN = resolve(ROOT, 'bin/monthly-visitors');

export function fixture(...parts: string[]): string {
  return resolve(FIXTURES, ...parts);
}
