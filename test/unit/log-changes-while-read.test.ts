/**
 * A log that changes under the reader (SPEC §6, §10): deleted between the check at startup and
 * the read, truncated (copytruncate) or deleted while being read. A vanished file is a clear
 * InputReadError naming it; a file cut short is read up to where it ends, with the cut line
 * counted, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openInputs } from '../../src/sources/log-input.js';
import { LoginStream } from '../../src/sources/login-stream.js';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import { InputReadError } from '../../src/errors.js';
import { TimeZone } from '../../src/time/zone.js';
import { tempDir } from '../helpers/tree.js';

const LOGINS = 40_000; // 2 lines each, ~4.5 MB: several 1 MB chunks

function bigLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < LOGINS; i++) {
    lines.push(`Sep 03 09:00:00 c2s${i}\tinfo\tClient connected`, `Sep 03 09:00:00 c2s${i}\tdebug\tResource bound: user${i}@example.com/Phone-${'x'.repeat(40)}`);
  }
  const path = join(tempDir(), 'prosody.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function streamOf(path: string): Promise<LoginStream> {
  const inputs = await openInputs([path]);
  return new LoginStream(inputs, {
    format: prosodyFileFormat,
    time: { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026 },
    notice: () => {},
  });
}

async function drain(stream: LoginStream, afterFirst?: () => void): Promise<number> {
  let logins = 0;
  for (let batch = await stream.next(), first = true; batch !== null; batch = await stream.next(), first = false) {
    logins += batch.length;
    if (first) afterFirst?.();
  }
  return logins;
}

test('log deleted after the startup check, before it is read: a clear InputReadError naming it', async () => {
  const path = bigLog();
  const stream = await streamOf(path);
  unlinkSync(path);
  await assert.rejects(drain(stream), (err: unknown) => err instanceof InputReadError && err.message === `${path}: no such file or directory`);
});

test('log deleted while being read: the open file is read to its end (Unix keeps it)', async () => {
  const path = bigLog();
  const stream = await streamOf(path);
  assert.equal(await drain(stream, () => unlinkSync(path)), LOGINS);
});

test('log truncated while being read (copytruncate): read up to the cut, counted, no crash', async () => {
  const path = bigLog();
  const stream = await streamOf(path);
  const logins = await drain(stream, () => truncateSync(path, 1000));
  const [stats] = stream.stats;
  assert.ok(logins > 0 && logins < LOGINS, `${logins} logins`);
  assert.ok(stats!.lines >= logins * 2 - 1 && stats!.lines < LOGINS * 2);
  assert.ok(stats!.unparsable <= 1, 'at most the one line cut in the middle');
});
