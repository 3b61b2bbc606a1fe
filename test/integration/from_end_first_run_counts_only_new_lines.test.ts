import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { append, storeContents } from '../helpers/tail-scenario.js';

/**
 * An operator who backfilled the past starts `tail --from-end`: what the log holds now is not
 * read again; lines appended later are. The log is the real capture cut at a line end in the
 * middle of a session's lines, so the first login after the cut must still be found.
 */
test('tail --from-end on a first run skips what the log holds, then counts what is appended', () => {
  const dir = fixture('prosody-0.12-captured');
  const log = readFileSync(join(dir, 'month-boundary.debug.log'));
  const mmdb = join(dir, 'test-GeoIP2-City.mmdb');
  const args = [...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'];
  // Cut after November's first line: everything before is "already there".
  const cut = log.indexOf(0x0a, log.indexOf('\nNov ') + 1) + 1;
  const work = tempDir();
  const live = join(work, 'prosody.log');
  const data = join(work, 'data');
  writeFileSync(live, log.subarray(0, cut));
  const first = runCli(['tail', '--once', '--from-end', '--json', '--data-dir', data, '--mmdb', mmdb, ...args, live]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).inputs[0].bytesRead, 0, 'nothing already in the log is read');
  assert.ok(existsSync(join(data, 'monthly-visitors.tail-state.json')), 'the checkpoint is set at the end');

  append(live, log.subarray(cut));
  const second = runCli(['tail', '--once', '--from-end', '--data-dir', data, '--mmdb', mmdb, ...args, live]);
  assert.equal(second.code, 0, second.stderr);

  // Expected: a backfill over only the appended part (a log that starts at the cut).
  const rest = join(work, 'rest.log');
  writeFileSync(rest, log.subarray(cut));
  const expected = join(work, 'expected');
  assert.equal(runCli(['backfill', '--data-dir', expected, '--mmdb', mmdb, ...args, '--year', '2026', rest]).code, 0);
  const got = storeContents(data);
  assert.deepEqual(got, storeContents(expected));
  assert.ok([...got.keys()].some((p) => p.endsWith('monthly%2dvisitors.dat')), 'the appended lines were counted');
  assert.ok(![...got.values()].some((v) => Buffer.from(v, 'base64').toString().includes('2026-10')), 'October, before the cut, is not counted');
});

test('tail --from-end kept in a cron line: an empty log at the first run still has everything appended later counted', () => {
  const dir = fixture('prosody-0.12-p1');
  const work = tempDir();
  const live = join(work, 'prosody.log');
  const data = join(work, 'data');
  const args = ['--data-dir', data, '--mmdb', join(dir, 'test-GeoIP2-City.mmdb'), '--timezone', 'UTC', '--year', '2026'];
  writeFileSync(live, '');
  assert.equal(runCli(['tail', '--once', '--from-end', ...args, live]).code, 0);
  append(live, readFileSync(join(dir, 'prosody.debug.log')));
  assert.equal(runCli(['tail', '--once', '--from-end', ...args, live]).code, 0);
  const expected = join(work, 'expected');
  assert.equal(runCli(['backfill', ...args.slice(0, 0), '--data-dir', expected, ...args.slice(2), join(dir, 'prosody.debug.log')]).code, 0);
  assert.deepEqual(storeContents(data), storeContents(expected));
});
