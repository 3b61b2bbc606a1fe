import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openInputs } from '../../src/sources/log-input.js';
import { LoginStream } from '../../src/sources/login-stream.js';
import { TailReader } from '../../src/sources/tail/tail-reader.js';
import type { ReadProgress } from '../../src/sources/read-progress.js';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import { formatByName } from '../../src/sources/formats.js';
import { TimeZone } from '../../src/time/zone.js';
import { tempDir } from '../helpers/tree.js';

/**
 * What the sources tell a progress display: the bytes they will read, as stored on disk (gzip
 * files by their compressed size), exactly those bytes as read, and every login found.
 */

const TIME = { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026 };

function log(logins: number, from = 0): Buffer {
  const lines: string[] = [];
  for (let i = from; i < from + logins; i++) {
    lines.push(`Sep 03 09:00:00 c2s${i}\tinfo\tClient connected`, `Sep 03 09:00:01 c2s${i}\tdebug\tResource bound: user${i}@example.com/Phone-${'x'.repeat(40)}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function recorder(): ReadProgress & { total: number; read: number; logins: number; reads: number } {
  const r = { total: 0, read: 0, logins: 0, reads: 0 };
  return Object.assign(r, {
    addTotal: (n: number) => void (r.total += n),
    addRead: (n: number) => void ((r.read += n), r.reads++),
    addLogins: (n: number) => void (r.logins += n),
  });
}

test('a rotated set read by backfill: compressed pieces count by their size on disk', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'prosody.log.2.gz'), gzipSync(log(20_000, 0)));
  writeFileSync(join(dir, 'prosody.log.1'), log(15_000, 20_000));
  writeFileSync(join(dir, 'prosody.log'), log(5_000, 35_000));
  const files = ['prosody.log.2.gz', 'prosody.log.1', 'prosody.log'].map((n) => join(dir, n));
  const onDisk = files.reduce((n, f) => n + statSync(f).size, 0);
  const progress = recorder();
  const inputs = await openInputs(files);
  for (const input of inputs) if (input.size !== null) progress.addTotal(input.size);
  const stream = new LoginStream(inputs, { format: prosodyFileFormat, time: TIME, notice: () => {}, progress });
  let logins = 0;
  for (let batch = await stream.next(); batch !== null; batch = await stream.next()) logins += batch.length;
  assert.equal(logins, 40_000);
  assert.equal(progress.total, onDisk);
  assert.equal(progress.read, onDisk, 'every byte on disk, once');
  assert.ok(progress.reads > 3, 'told as it reads, not once at the end');
  assert.equal(progress.logins, 40_000);
});

test('tail: what a poll will read (the rest of the live log, all of a gzip piece) and what it read', async () => {
  const dir = tempDir();
  const live = join(dir, 'prosody.log');
  writeFileSync(live, log(10_000, 0));
  const options = { format: null, formatNamed: formatByName, time: TIME, notice: () => {}, warn: () => {}, fromEnd: false };
  const first = recorder();
  const reader = new TailReader(live, undefined, { ...options, progress: first });
  let logins = 0;
  for await (const batch of reader.poll()) logins += batch.length;
  assert.equal(logins, 10_000);
  assert.deepEqual([first.total, first.read, first.logins], [statSync(live).size, statSync(live).size, 10_000]);

  // Rotated and compressed, the new live log holding more: the next run reads the rest of the old
  // file from inside the .gz (all of it read from disk), then the new file.
  const saved = reader.checkpoint()!;
  const more = log(2_000, 10_000);
  writeFileSync(live, Buffer.concat([log(10_000, 0), more]));
  writeFileSync(join(dir, 'prosody.log.1.gz'), gzipSync(Buffer.concat([log(10_000, 0), more])));
  writeFileSync(live, log(3_000, 12_000));
  const second = recorder();
  const next = new TailReader(live, saved, { ...options, progress: second });
  logins = 0;
  for await (const batch of next.poll()) logins += batch.length;
  const onDisk = statSync(join(dir, 'prosody.log.1.gz')).size + statSync(live).size;
  assert.equal(logins, 5_000);
  assert.deepEqual([second.total, second.read, second.logins], [onDisk, onDisk, 5_000]);
});
