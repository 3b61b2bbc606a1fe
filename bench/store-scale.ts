/**
 * Logs for measuring store writes at scale (SPEC §11, issue 8): a backfill in which 100,000
 * distinct users log in once (100,000 user files to create), and a later cron run in which 1,000
 * of them log in again in the next month (1,000 user files and the host record to change).
 * Prosody info-level lines (`Client connected`, `Authenticated as`, mod_log_auth's
 * `Successful authentication … from IP`), the cheapest log to read, so the time is the store's.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoreScaleLogs {
  readonly backfill: string;
  readonly cron: string;
  readonly users: number;
  readonly changed: number;
}

function loginLines(out: string[], stamp: string, session: number, user: number): void {
  const id = `c2s${(0x557f90000000 + session).toString(16)}`;
  const jid = `user${user}@example.org`;
  out.push(
    `${stamp} ${id}\tinfo\tClient connected`,
    `${stamp} ${id}\tinfo\tAuthenticated as ${jid}`,
    `${stamp} ${id}\tinfo\tSuccessful authentication as ${jid} from IP: 81.${(user >> 16) & 255}.${(user >> 8) & 255}.${user & 255}`,
    `${stamp} ${id}\tinfo\tClient disconnected: connection closed`,
  );
}

export function writeStoreScaleLogs(dir: string, users = 100_000, changed = 1_000): StoreScaleLogs {
  const backfill = join(dir, `store-scale-u${users}.backfill.log`);
  const cron = join(dir, `store-scale-u${users}-c${changed}.cron.log`);
  if (!existsSync(backfill)) {
    const out: string[] = [];
    for (let u = 0; u < users; u++) loginLines(out, `Jul ${String(1 + Math.floor((u * 30) / users)).padStart(2, '0')} 12:00:00`, u, u);
    writeFileSync(backfill, `${out.join('\n')}\n`);
  }
  if (!existsSync(cron)) {
    const out: string[] = [];
    const step = Math.floor(users / changed);
    for (let k = 0; k < changed; k++) loginLines(out, 'Aug 01 12:00:00', users + k, k * step);
    writeFileSync(cron, `${out.join('\n')}\n`);
  }
  return { backfill, cron, users, changed };
}
