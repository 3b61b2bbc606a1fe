/**
 * Where a large commit's time goes: `node dist/bench/store-phases.js [files] [dir] [--no-sync]
 * [--existing] [--rounds N]` writes `files` user records through each step of journal.ts's commit
 * (preflight, journal + flush, apply with fdatasync of each file and fsync of its folder, journal
 * removal), timed apart, next to two references over as many files: plain writeFileSync +
 * renameSync, and the same plus fdatasync of each file (one after the other) and of the folder.
 * The three take turns, N rounds (default 3), and medians are printed: the machine this runs on is
 * shared, and its speed drifts within minutes. `--no-sync`: the commit flushes nothing (on tmpfs a
 * flush is free anyway). `--existing`: the files exist before each round (a cron commit replaces
 * them) instead of being new (a backfill).
 */
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { applyWrites, preflight, removeJournal, writeJournal, type BatchWrite } from '../src/storage/journal.js';
import { serializeUserRecord } from '../src/storage/records.js';

const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
const args = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--rounds');
const durability = flags.has('--no-sync') ? 'none' : 'fsync';
const existing = flags.has('--existing');
const files = Number(args[0] ?? 42_000);
const parent = args[1] ?? 'bench/.cache';
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const content = serializeUserRecord({ lastRecorded: '2026-09' });

/** A fresh folder for one round, with the files already there when `existing`. */
function folder(prefix: string): { root: string; dir: string } {
  const root = mkdtempSync(join(parent, prefix));
  const dir = join(root, 'example%2eorg', 'monthly%2dvisitors');
  mkdirSync(dir, { recursive: true });
  if (existing) for (let i = 0; i < files; i++) writeFileSync(join(dir, `user${i}.dat`), serializeUserRecord({ lastRecorded: '2026-08' }));
  return { root, dir };
}

function plain(sync: boolean): number {
  const { root, dir } = folder(sync ? 'phases-plainsync-' : 'phases-plain-');
  try {
    const t = process.hrtime.bigint();
    for (let i = 0; i < files; i++) {
      const f = join(dir, `user${i}.dat`);
      if (!sync) {
        writeFileSync(`${f}~`, content);
      } else {
        const fd = openSync(`${f}~`, 'w');
        writeSync(fd, content);
        fdatasyncSync(fd);
        closeSync(fd);
      }
      renameSync(`${f}~`, f);
    }
    if (sync) {
      const fd = openSync(dir, 'r');
      fsyncSync(fd);
      closeSync(fd);
    }
    return ms(t);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function commit(phase: Record<string, number[]>): number {
  const { root: dataDir, dir } = folder('phases-store-');
  try {
    const writes: BatchWrite[] = Array.from({ length: files }, (_, i) => ({ path: join(dir, `user${i}.dat`), content }));
    const step = (name: string, f: () => void) => {
      const t = process.hrtime.bigint();
      f();
      (phase[name] ??= []).push(ms(t));
    };
    let checked: ReturnType<typeof preflight> | undefined;
    step('preflight', () => (checked = preflight(dataDir, writes)));
    step('journal + flush', () => writeJournal(dataDir, writes));
    step(durability === 'fsync' ? 'apply + fdatasync' : 'apply (no flush)', () => applyWrites(dataDir, writes, { checked, durability }));
    step('remove journal', () => removeJournal(dataDir, durability));
    return Object.values(phase).reduce((sum, xs) => sum + xs[xs.length - 1]!, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const times = { plain: [] as number[], plainSync: [] as number[], store: [] as number[] };
const phase: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  times.plain.push(plain(false));
  times.store.push(commit(phase));
  if (durability === 'fsync') times.plainSync.push(plain(true));
}
const p = median(times.plain);
const s = median(times.store);
let line = `${files} ${existing ? 'existing' : 'new'} files, medians of ${rounds}: plain writeFileSync+renameSync ${p.toFixed(0)} ms; store commit ${s.toFixed(0)} ms (${(s / p).toFixed(2)}×)`;
if (durability === 'fsync') {
  const ps = median(times.plainSync);
  line += `; plain + fdatasync each ${ps.toFixed(0)} ms (store ${(s / ps).toFixed(2)}×)`;
}
process.stdout.write(`${line}\n`);
for (const [k, v] of Object.entries(phase)) process.stdout.write(`  ${k.padEnd(22)} ${median(v).toFixed(0).padStart(7)} ms\n`);
