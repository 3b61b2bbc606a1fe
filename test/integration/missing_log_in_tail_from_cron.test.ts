import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';

/**
 * `tail --once -q` from cron with a log that is not there (SPEC §10, issue 16 §1): a path no
 * checkpoint names is a typo — exit 2, one line, nothing written, like `backfill`. A log read
 * before and gone now (rotated, not reopened yet) is a note while it may be a rotation, a warning
 * `-q` still prints once it has been missing for an hour, and `check` reports it.
 */

const DIR = fixture('prosody-0.12-captured');
const MMDB = join(DIR, 'test-GeoIP2-City.mmdb');
const LOG = readFileSync(join(DIR, 'month-boundary.debug.log'));
const ARGS = ['--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026'];

test('a typo in the cron line: tail of a log that does not exist and was never read is exit 2, one line, nothing written', () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  mkdirSync(data);
  const before = snapshotTree(dir);
  const typo = join(dir, 'prosdy.log');
  for (const extra of [['--once'], ['--once', '--from-end'], []]) {
    const r = runCli(['tail', ...extra, '-q', '--data-dir', data, ...ARGS, typo]);
    assert.equal(r.code, 2, r.stderr);
    // (`error: ` may follow the program's name: another change of issue 16 unifies that prefix.)
    assert.equal(
      r.stderr.replace(/^monthly-visitors: (error: )?/, ''),
      `${typo}: no such file or directory, and no checkpoint of an earlier run names it: check the path\n`,
    );
    assert.match(r.stderr, /^monthly-visitors: /);
    assert.deepEqual(snapshotTree(dir), before, 'nothing written, not even a checkpoint');
  }
  // `backfill` says the same file is missing the same way (exit 2).
  assert.equal(runCli(['backfill', '-q', '--data-dir', data, ...ARGS, typo]).code, 2);
});

test('a log read before and rotated away: a note (hidden by -q), then after an hour a warning -q prints, and check reports it', () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  const live = join(dir, 'prosody.log');
  const statePath = join(data, 'monthly-visitors.tail-state.json');
  const state = () => JSON.parse(readFileSync(statePath, 'utf8')).inputs[live];
  const half = LOG.indexOf(0x0a, LOG.length >> 1) + 1;
  writeFileSync(live, LOG.subarray(0, half));
  assert.equal(runCli(['tail', '--once', '-q', '--data-dir', data, ...ARGS, live]).code, 0);

  // logrotate renamed it; the server writes its last lines to the old file and has not reopened.
  writeFileSync(live, LOG.subarray(half), { flag: 'a' });
  renameSync(live, `${live}.1`);
  const quiet = runCli(['tail', '--once', '-q', '--data-dir', data, ...ARGS, live]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '', 'a rotation not reopened yet is not worth a cron mail');
  const since = state().missingSince as string;
  assert.ok(Math.abs(Date.parse(since) - Date.now()) < 10 * 60_000, `missingSince ${since} is about now`);
  const noted = runCli(['tail', '--once', '--data-dir', data, ...ARGS, live]);
  assert.equal(noted.code, 0, noted.stderr);
  assert.match(noted.stderr, /^note: .*prosody\.log: not there \(rotated, and the server has not reopened it yet\?\); waiting for it$/m);
  assert.equal(state().missingSince, since, 'the first run that found it missing is kept');
  const checkNote = runCli(['check', '--data-dir', data, ...ARGS]);
  assert.equal(checkNote.code, 0, checkNote.stderr);
  assert.match(checkNote.stderr, /^note: .*prosody\.log: not there/m);

  // Two hours later (the checkpoint says so): a warning, also with -q, and in check (also --json).
  const doc = JSON.parse(readFileSync(statePath, 'utf8'));
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
  doc.inputs[live].missingSince = twoHoursAgo;
  writeFileSync(statePath, JSON.stringify(doc));
  const warned = runCli(['tail', '--once', '-q', '--data-dir', data, ...ARGS, live]);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(
    warned.stderr,
    /^warning: \S+prosody\.log: missing for 1[12]\d minutes \(since \S+\); nothing of it is counted until the server writes it again — check the log path and the server's logging\n$/,
  );
  const check = runCli(['check', '-q', '--json', '--data-dir', data, ...ARGS]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /^warning: \S+prosody\.log: missing for 1[12]\d minutes/m);
  const vanished = JSON.parse(check.stdout).vanishedLogs;
  assert.deepEqual(
    vanished.map((v: { log: string; missingSince: string; warning: boolean }) => [v.log, v.missingSince, v.warning]),
    [[live, twoHoursAgo, true]],
  );

  // The server reopens its log: no word, and the checkpoint forgets when it was missing.
  writeFileSync(live, '');
  const back = runCli(['tail', '--once', '-q', '--data-dir', data, ...ARGS, live]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(back.stderr, '');
  assert.equal(state().missingSince, undefined);
  assert.ok(existsSync(`${live}.1`));

  // What was counted is what one backfill of the whole log counts.
  const whole = join(tempDir(), 'whole.log');
  writeFileSync(whole, LOG);
  const expected = join(tempDir(), 'data');
  assert.equal(runCli(['backfill', '-q', '--data-dir', expected, ...ARGS, whole]).code, 0);
  const stats = (d: string) => JSON.parse(runCli(['report', '--format', 'json', '--data-dir', d]).stdout);
  assert.deepEqual(stats(data), stats(expected));
});
