/**
 * Where a large commit's time goes: `node dist/bench/store-phases.js [files] [dir] [--no-sync]
 * [--existing] [--rounds N]` writes `files` user records through each step of journal.ts's commit
 * (preflight, journal + flush, apply with fdatasync of each file and fsync of its folder, journal
 * removal), timed apart, next to two references over as many files: plain writeFileSync +
 * renameSync, and the same plus fdatasync of each file (one after the other) and of the folder.
 * The three take turns, N rounds (default 3), and medians are printed: the machine this runs on is
 * shared, and its speed drifts within minutes; CPU time (user + system) is printed too, and the ratio
 * of each round (its runs are next to each other in time). `--no-sync`: the commit flushes nothing (on tmpfs a
 * flush is free anyway). `--existing`: the files exist before each round (a cron commit replaces
 * them) instead of being new (a backfill); `--among N`: the folder holds N files, of which the batch
 * rewrites `files` (a cron run changes 1,000 of 100,000 users).
 */
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { applyWrites, preflight, removeJournal, writeJournal, type BatchWrite } from '../src/storage/journal.js';
import { serializeUserRecord } from '../src/storage/records.js';

const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const valueOf = (flag: string) => {
  const at = process.argv.indexOf(flag);
  return at > 0 ? Number(process.argv[at + 1]) : undefined;
};
const rounds = valueOf('--rounds') ?? 3;
const args = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--rounds' && all[i - 1] !== '--among');
const durability = flags.has('--no-sync') ? 'none' : 'fsync';
const existing = flags.has('--existing');
const files = Number(args[0] ?? 42_000);
/** With --existing: how many files the folder holds (the batch rewrites every `among / files`-th). */
const among = Math.max(valueOf('--among') ?? files, files);
const stride = Math.floor(among / files);
const parent = args[1] ?? 'bench/.cache';
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
/** CPU time (user + system) of this process since `c0`, in ms: what the commit itself costs on a shared machine. */
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const content = serializeUserRecord({ lastRecorded: '2026-09' });

/** A fresh folder for one round, with the files already there when `existing`. */
function folder(prefix: string): { root: string; dir: string } {
  const root = mkdtempSync(join(parent, prefix));
  const dir = join(root, 'example%2eorg', 'monthly%2dvisitors');
  mkdirSync(dir, { recursive: true });
  if (existing) for (let i = 0; i < among; i++) writeFileSync(join(dir, `user${i}.dat`), serializeUserRecord({ lastRecorded: '2026-08' }));
  return { root, dir };
}

function plain(sync: boolean): Timed {
  const { root, dir } = folder(sync ? 'phases-plainsync-' : 'phases-plain-');
  try {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (let i = 0; i < files; i++) {
      const f = join(dir, `user${i * stride}.dat`);
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
    return { wall: ms(t), cpu: cpuMs(c) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface Timed {
  wall: number;
  cpu: number;
}

function commit(phase: Record<string, number[]>): Timed {
  const { root: dataDir, dir } = folder('phases-store-');
  try {
    const writes: BatchWrite[] = Array.from({ length: files }, (_, i) => ({ path: join(dir, `user${i * stride}.dat`), content }));
    let cpu = 0;
    const step = (name: string, f: () => void) => {
      const c = process.cpuUsage();
      const t = process.hrtime.bigint();
      f();
      (phase[name] ??= []).push(ms(t));
      cpu += cpuMs(c);
    };
    let checked: ReturnType<typeof preflight> | undefined;
    step('preflight', () => (checked = preflight(dataDir, writes)));
    step('journal + flush', () => writeJournal(dataDir, writes));
    step(durability === 'fsync' ? 'apply + fdatasync' : 'apply (no flush)', () => applyWrites(dataDir, writes, { checked, durability }));
    step('remove journal', () => removeJournal(dataDir, durability));
    return { wall: Object.values(phase).reduce((sum, xs) => sum + xs[xs.length - 1]!, 0), cpu };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const times = { plain: [] as Timed[], plainSync: [] as Timed[], store: [] as Timed[] };
const phase: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  times.plain.push(plain(false));
  times.store.push(commit(phase));
  if (durability === 'fsync') times.plainSync.push(plain(true));
}
/** Medians of wall and CPU time, and the median of the rounds' ratios to `ref` (the runs of a round are next to each other in time). */
const summary = (xs: Timed[], ref: Timed[]) => {
  const wall = median(xs.map((x) => x.wall));
  const cpu = median(xs.map((x) => x.cpu));
  const ratioWall = median(xs.map((x, i) => x.wall / ref[i]!.wall));
  const ratioCpu = median(xs.map((x, i) => x.cpu / ref[i]!.cpu));
  return { wall, cpu, ratio: `${ratioWall.toFixed(2)}× wall, ${ratioCpu.toFixed(2)}× CPU` };
};
const p = summary(times.plain, times.plain);
const s = summary(times.store, times.plain);
let line = `${files} ${existing ? `existing files${among > files ? ` (among ${among})` : ''}` : 'new files'}, medians of ${rounds}: plain writeFileSync+renameSync ${p.wall.toFixed(0)} ms (CPU ${p.cpu.toFixed(0)} ms); store commit ${s.wall.toFixed(0)} ms (CPU ${s.cpu.toFixed(0)} ms): ${s.ratio}`;
if (durability === 'fsync') {
  const ps = summary(times.plainSync, times.plainSync);
  const sv = summary(times.store, times.plainSync);
  line += `; plain + fdatasync each ${ps.wall.toFixed(0)} ms (CPU ${ps.cpu.toFixed(0)} ms): store ${sv.ratio}`;
}
process.stdout.write(`${line}\n`);
for (const [k, v] of Object.entries(phase)) process.stdout.write(`  ${k.padEnd(22)} ${median(v).toFixed(0).padStart(7)} ms\n`);
