import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './tree.js';

/** Writes `files` (relative path → content) into a fresh temp dir and returns the dir. */
export function writeConfigTree(files: Record<string, string>): string {
  const dir = tempDir('mv-config-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Lines joined with newlines, so a test can say which line a statement is on. */
export function lua(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
