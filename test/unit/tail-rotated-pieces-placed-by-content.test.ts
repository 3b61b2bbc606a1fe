/**
 * How `tail` places the rotated pieces of a log (SPEC §6, issue 16 §4): by what each file is —
 * inode, first bytes, length, modification time — never by its name's number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeRotated } from '../../src/sources/tail/read-plan.js';
import { identityOf, type OpenedHead } from '../../src/sources/tail/file-identity.js';
import type { Candidate } from '../../src/sources/tail/rotated-candidates.js';

/** A log generation: its first line (a different time each) and its length. */
function content(hour: number, length: number): { head: Buffer; length: number } {
  const line = `Nov 20 ${String(hour).padStart(2, '0')}:00:00 c2s5558\tinfo\tClient connected ${'x'.repeat(600)}\n`;
  return { head: Buffer.from(line.repeat(8)).subarray(0, Math.min(4096, length)), length };
}

let nextIno = 100;
function file(path: string, c: { head: Buffer; length: number }, mtimeMs: number, opts: { gzip?: boolean; ino?: number; nameAge?: number } = {}): Candidate {
  const opened: OpenedHead = {
    dev: 1,
    ino: opts.ino ?? nextIno++,
    size: opts.gzip ? Math.floor(c.length / 10) : c.length,
    mtimeMs,
    gzip: opts.gzip ?? false,
    head: c.head,
    contentLength: c.length,
  };
  return { path, opened, nameAge: opts.nameAge ?? 0 };
}

const at = (c: Candidate, offset: number) => ({ file: identityOf(c.opened), offset, processedTo: offset });
const paths = (cs: readonly Candidate[]) => cs.map((c) => c.path);

test('a copy named .2 that is newer than .1: .1 (read in full before) is skipped, .2 is read after the rest of the file read last', () => {
  const [g1, g2, g3, g4] = [content(1, 9000), content(2, 9000), content(3, 9000), content(4, 9000)];
  const old = file('log.1', g1, 1000, { nameAge: 1 });
  const readLast = file('log.3', g2, 2000, { nameAge: 3 });
  const newer = file('log.2', g3, 3000, { nameAge: 2 });
  const live = file('log', g4, 4000).opened;
  const cursor = at({ ...readLast, opened: { ...readLast.opened, mtimeMs: 1900 } }, 5000);
  const plan = placeRotated([old, readLast, newer], cursor, live);
  assert.equal(plan.resume?.path, 'log.3');
  assert.deepEqual(paths(plan.newer), ['log.2']);
  assert.deepEqual(plan.unsure, []);
});

test('.N beside .N.gz of the same content: one of them is read, the longer; equal lengths: the plain one', () => {
  const [g1, g2] = [content(1, 9000), content(2, 9000)];
  const readLast = file('log.1', g1, 1000, { nameAge: 1 });
  const gz = file('log.1.gz', g1, 1000, { gzip: true, nameAge: 1 });
  const live = file('log', g2, 3000).opened;
  const cursor = at(readLast, 5000);
  assert.equal(placeRotated([gz, readLast], cursor, live).resume?.path, 'log.1');
  // The plain piece stopped short of the compressed one (compressed after more lines came).
  const shorter = file('log.1', { ...g1, length: 6000 }, 1000, { ino: readLast.opened.ino });
  assert.equal(placeRotated([shorter, gz], at(shorter, 5000), live).resume?.path, 'log.1.gz');
  // Among newer pieces too: one copy of each content.
  const n1 = file('log.2', g2, 2000, { nameAge: 2 });
  const n1gz = file('log.2.gz', g2, 2000, { gzip: true, nameAge: 2 });
  const liveNow = file('log', content(3, 100), 3000).opened;
  assert.deepEqual(paths(placeRotated([readLast, n1gz, n1], cursor, liveNow).newer), ['log.2']);
});

test('dateext mixed with numbers: newer pieces are read oldest first by modification time, whatever their names', () => {
  const [g1, g2, g3, g4] = [content(1, 9000), content(2, 9000), content(3, 9000), content(4, 9000)];
  const readLast = file('log.1', g1, 1000, { nameAge: 1 });
  const dated = file('log-20261201', g2, 2000, { nameAge: 1e12 - 2026120100 });
  const numbered = file('log.2.gz', g3, 3000, { gzip: true, nameAge: 2 });
  const live = file('log', g4, 4000).opened;
  assert.deepEqual(paths(placeRotated([numbered, readLast, dated], at(readLast, 9000), live).newer), ['log-20261201', 'log.2.gz']);
});

test('a piece modified at the very moment of the file read last may be older or newer: it is read, and said to be unsure', () => {
  const [g0, g1, g2] = [content(0, 9000), content(1, 9000), content(2, 9000)];
  const readLast = file('log.1', g1, 1000, { nameAge: 1 });
  const same = file('log.2', g0, 1000, { nameAge: 2 });
  const live = file('log', g2, 3000).opened;
  const plan = placeRotated([readLast, same], at(readLast, 9000), live);
  assert.deepEqual(paths(plan.newer), ['log.2']);
  assert.deepEqual(paths(plan.unsure), ['log.2']);
});

test('the file read last was deleted: no resume, and the pieces written after it are still read', () => {
  const [g1, g2, g3] = [content(1, 9000), content(2, 9000), content(3, 9000)];
  const gone = file('log.1', g1, 1000);
  const newer = file('log.2', g2, 2000, { nameAge: 2 });
  const older = file('log.5', content(0, 9000), 500, { nameAge: 5 });
  const live = file('log', g3, 3000).opened;
  const plan = placeRotated([newer, older], at(gone, 9000), live);
  assert.equal(plan.resume, null);
  assert.deepEqual(paths(plan.newer), ['log.2']);
});

test("a file that took the inode of the one read last is not it: only matching first bytes make a piece the file read last", () => {
  const [g1, g2] = [content(1, 9000), content(2, 9000)];
  const readLast = file('log.1', g1, 1000);
  const reuser = file('log.1', g2, 2000, { ino: readLast.opened.ino });
  const plan = placeRotated([reuser], at(readLast, 5000), null);
  assert.equal(plan.resume, null);
  assert.deepEqual(paths(plan.newer), ['log.1'], 'read from its start as a newer piece');
});

test("a copy of the live file, or a piece shorter than the cursor's offset, is not read as a rotated piece", () => {
  const [g1, g2] = [content(1, 9000), content(2, 9000)];
  const readLast = file('log.1', g1, 1000);
  const liveFile = file('log', g2, 3000);
  const copyOfLive = file('log.5', g2, 3500, { nameAge: 5 });
  const prefix = file('log.9', { ...g1, length: 4000 }, 1200, { nameAge: 9 });
  const plan = placeRotated([copyOfLive, readLast, prefix], at(readLast, 5000), liveFile.opened);
  assert.equal(plan.resume?.path, 'log.1');
  assert.deepEqual(paths(plan.newer), []);
});
