import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixture } from './paths.js';

/**
 * The captured Prosody 0.12 debug log that crosses a new year, cut into a logrotate-style set in
 * `dir`: two gzip pieces and a plain one, oldest first. Returns their paths in that order.
 */
export function newYearRotatedSet(dir: string): string[] {
  const lines = readFileSync(fixture('prosody-0.12-captured', 'new-year.debug.log'), 'utf8').split('\n');
  const cut = [0, 150, 300, lines.length];
  const names = ['prosody.log.3.gz', 'prosody.log.2.gz', 'prosody.log.1'];
  names.forEach((name, k) => {
    const part = lines.slice(cut[k], cut[k + 1]).join('\n') + (k < 2 ? '\n' : '');
    writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(part) : part);
  });
  return names.map((n) => join(dir, n));
}
