/**
 * Logs that change while `tail` reads them (SPEC §6), the case of a follower under load.
 *
 * A copytruncate that happens while `tail` is in the middle of reading the live log: the reader had read the first chunk of the live file when
 * logrotate copied it to `.1`, truncated it, and the server wrote on past the reader's position.
 * The bytes at that position now belong to the new content: reading on there would parse the
 * new file's middle as the old file's rest, skip the old rest (the copy is then read from an
 * offset past it) and read the new middle again later — as many logins lost as counted twice.
 * Every login must come out exactly once, as from one read of the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TailReader } from '../../src/sources/tail/tail-reader.js';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import type { LoginEvent } from '../../src/core/login-event.js';
import { TimeZone } from '../../src/time/zone.js';
import { tempDir } from '../helpers/tree.js';
import { DEFAULT_OPTIONS, ensureProsodyLogs, pathsFor } from '../../bench/generate-prosody.js';

const GENERATED = { ...DEFAULT_OPTIONS, sizeMb: 4, users: 2000, concurrency: 60, startMonth: '2026-07', months: 2, seed: 16, outDir: tempDir(), writeInfo: false };
ensureProsodyLogs(GENERATED);
const LOG = readFileSync(pathsFor(GENERATED).debug);

function reader(live: string): TailReader {
  return new TailReader(live, undefined, {
    format: prosodyFileFormat,
    formatNamed: () => prosodyFileFormat,
    time: { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026 },
    notice: () => {},
    warn: (message) => assert.fail(`unexpected warning: ${message}`),
    fromEnd: false,
  });
}

const key = (e: LoginEvent) => `${e.time} ${e.month} ${e.host} ${e.user}`;

async function pollAll(r: TailReader, out: LoginEvent[], afterFirstBatch?: () => void): Promise<void> {
  let first = true;
  for await (const batch of r.poll()) {
    out.push(...batch);
    if (first) afterFirstBatch?.();
    first = false;
  }
}

test('copytruncate while the live log is being read, the writer already past the reader: every login once', async () => {
  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, LOG);
  const expected: LoginEvent[] = [];
  await pollAll(reader(whole), expected);
  assert.ok(expected.length > 500, `${expected.length} logins in the generated log`);

  const live = join(tempDir(), 'prosody.log');
  const half = LOG.indexOf(0x0a, LOG.length >> 1) + 1; // ~2 MB: the reader takes 1 MB per batch
  writeFileSync(live, LOG.subarray(0, half));
  const r = reader(live);
  const got: LoginEvent[] = [];
  await pollAll(r, got, () => {
    // One batch read: logrotate copies and truncates, the server writes the rest of the log.
    copyFileSync(live, `${live}.1`);
    truncateSync(live, 0);
    appendFileSync(live, LOG.subarray(half));
  });
  await pollAll(r, got); // the next poll finds the rotation
  assert.equal(r.stats.lines, LOG.toString('latin1').split('\n').length - 1, 'every line read once');
  assert.deepEqual(got.map(key), expected.map(key));
});

/**
 * A piece renamed while a poll reads the pieces before it: planned under a name that no longer
 * holds it. Reading on with the pieces after it (the live file, still there) would move the cursor
 * past the piece never read (its logins lost); the poll stops there and the next one plans again.
 */
test('a rotated piece renamed while the pieces before it are read: it is read by the next poll, not skipped', async () => {
  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, LOG);
  const expected: LoginEvent[] = [];
  await pollAll(reader(whole), expected);

  const live = join(tempDir(), 'prosody.log');
  const cut = (f: number) => LOG.indexOf(0x0a, Math.floor(LOG.length * f)) + 1;
  const [a, b, c] = [cut(0.1), cut(0.6), cut(0.8)];
  writeFileSync(live, LOG.subarray(0, a));
  const r = reader(live);
  const got: LoginEvent[] = [];
  await pollAll(r, got);
  appendFileSync(live, LOG.subarray(a, b)); // 2 MB more: read in two batches
  renameSync(live, `${live}.1`); // rename+create, twice before the next poll (the second dateext)
  writeFileSync(live, LOG.subarray(b, c));
  renameSync(live, `${live}-20261201`);
  writeFileSync(live, LOG.subarray(c));
  await pollAll(r, got, () => {
    // While .1's rest is read, the dated piece gets another name; the live file stays.
    renameSync(`${live}-20261201`, `${live}.2`);
  });
  await pollAll(r, got);
  assert.deepEqual(got.map(key), expected.map(key));
});
