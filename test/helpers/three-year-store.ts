/**
 * The hand-written three-year store of the prune tests, in Prosody's `internal` layout (the way
 * util.serialization writes it, keys in any order): example.com has every month 2024-01 … 2026-12
 * and users last counted at various times; chat.example.org only months of 2024.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tree.js';

/** Months 2024-01 … 2026-12 (three years). */
export const MONTHS = Array.from({ length: 36 }, (_, i) => `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);

/** Month i (1-based) of example.com holds i visitors, all from one place with one client. */
export const counts = (i: number) => ({ 'client-IOS': i, 'geo-DE-HE-2925533': i });

/**
 * A store spanning three years, written by hand the way Prosody's util.serialization writes it
 * (keys in any order, as Prosody's are). example.com has every month and users last counted at
 * various times; chat.example.org only months of 2024.
 */
export function threeYearStore(): string {
  const data = join(tempDir(), 'data');
  const host = join(data, 'example%2ecom');
  const chat = join(data, 'chat%2eexample%2eorg');
  mkdirSync(join(host, 'monthly%2dvisitors'), { recursive: true });
  mkdirSync(join(chat, 'monthly%2dvisitors'), { recursive: true });
  const months = [...MONTHS.entries()].reverse().map(
    ([i, m]) => `\t["${m}"] = {\n\t\t["geo-DE-HE-2925533"] = ${i + 1};\n\t\t["client-IOS"] = ${i + 1};\n\t};\n`,
  );
  writeFileSync(join(host, 'monthly%2dvisitors.dat'), `return {\n${months.join('')}};\n`);
  const user = (dir: string, file: string, body: string) => writeFileSync(join(dir, 'monthly%2dvisitors', file), `return {\n${body}};\n`);
  user(host, 'old2024.dat', '\t["last-recorded"] = "2024-03";\n');
  user(host, 'mid2025.dat', '\t["last-recorded"] = "2025-06";\n');
  user(host, 'nov2025.dat', '\t["last-recorded"] = "2025-11";\n');
  user(host, 'dec2025.dat', '\t["last-recorded"] = "2025-12";\n');
  user(host, 'oct2026.dat', '\t["last-recorded"] = "2026-10";\n');
  user(host, '%c3%a9mile.dat', '\t["last-recorded"] = "2025-01";\n');
  user(host, 'keeper.dat', '\t["note"] = "kept by a newer module";\n\t["last-recorded"] = "2024-05";\n');
  writeFileSync(join(chat, 'monthly%2dvisitors.dat'), 'return {\n\t["2024-02"] = {\n\t\t["client-?"] = 1;\n\t};\n\t["2024-07"] = {\n\t\t["client-?"] = 2;\n\t};\n};\n');
  user(chat, 'heidi.dat', '\t["last-recorded"] = "2024-07";\n');
  return data;
}

