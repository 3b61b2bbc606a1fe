/**
 * Where a large commit's time goes: `node dist/bench/store-phases.js [files] [dir]` writes `files`
 * new user records through each step of journal.ts's commit (preflight, journal + fsync, apply with
 * fdatasync of each file and fsync of its folder, journal removal), timed apart, next to plain
 * writeFileSync + renameSync of as many files. `--no-sync`: the commit flushes nothing (what the
 * steps cost on tmpfs, where a flush is free anyway, or to see the flushes' share).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyWrites, preflight, removeJournal, writeJournal, type BatchWrite } from '../src/storage/journal.js';
import { serializeUserRecord } from '../src/storage/records.js';

const args = process.argv.slice(2).filter((a) => a !== '--no-sync');
const durability = process.argv.includes('--no-sync') ? 'none' : 'fsync';
const files = Number(args[0] ?? 42_000);
const parent = args[1] ?? 'bench/.cache';
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const plainDir = mkdtempSync(join(parent, 'phases-plain-'));
const dataDir = mkdtempSync(join(parent, 'phases-store-'));
try {
  const content = serializeUserRecord({ lastRecorded: '2026-09' });
  let t = process.hrtime.bigint();
  const pd = join(plainDir, 'example%2eorg', 'monthly%2dvisitors');
  mkdirSync(pd, { recursive: true });
  for (let i = 0; i < files; i++) {
    const f = join(pd, `user${i}.dat`);
    writeFileSync(`${f}~`, content);
    renameSync(`${f}~`, f);
  }
  const plain = ms(t);

  const dir = join(dataDir, 'example%2eorg', 'monthly%2dvisitors');
  const writes: BatchWrite[] = Array.from({ length: files }, (_, i) => ({ path: join(dir, `user${i}.dat`), content }));
  const phase: Record<string, number> = {};
  t = process.hrtime.bigint();
  const checked = preflight(dataDir, writes);
  phase['preflight'] = ms(t);
  t = process.hrtime.bigint();
  writeJournal(dataDir, writes);
  phase['journal+fsync'] = ms(t);
  t = process.hrtime.bigint();
  applyWrites(dataDir, writes, { checked, durability });
  phase[durability === 'fsync' ? 'apply (+fdatasync)' : 'apply (no sync)'] = ms(t);
  t = process.hrtime.bigint();
  removeJournal(dataDir, durability);
  phase['remove journal'] = ms(t);
  const total = Object.values(phase).reduce((a, b) => a + b, 0);
  process.stdout.write(`${files} files: plain writeFileSync+renameSync ${plain.toFixed(0)} ms; store commit ${total.toFixed(0)} ms (${(total / plain).toFixed(2)}×)\n`);
  for (const [k, v] of Object.entries(phase)) process.stdout.write(`  ${k.padEnd(22)} ${v.toFixed(0).padStart(7)} ms\n`);
} finally {
  rmSync(plainDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
