import { cpSync, mkdtempSync, readdirSync, readFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'mv-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Copies a fixture dir somewhere writable. */
export function copyTree(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** Every file under a dir with its bytes and mode: to prove a failed run changed nothing. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out.set(`${p}/`, `dir ${st.mode.toString(8)}`);
        walk(p);
      } else {
        out.set(p, `${st.mode.toString(8)} ${readFileSync(p).toString('base64')}`);
      }
    }
  };
  walk(dir);
  return out;
}
