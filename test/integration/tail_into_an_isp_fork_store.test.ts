import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';
import { FORK, FORK_CITY, FORK_LOG, FORK_OPTIONS } from '../helpers/fork-isp.js';

/** The log cut at line ends into `parts` pieces of about equal size. */
function pieces(log: Buffer, parts: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 1; i < parts; i++) {
    const end = log.indexOf(0x0a, Math.floor((log.length * i) / parts)) + 1;
    out.push(log.subarray(start, end));
    start = end;
  }
  return [...out, log.subarray(start)];
}

test('tail --once --layout fork-isp after each piece of the real fork\'s log ends with what backfill writes', () => {
  const dir = tempDir();
  const expected = join(dir, 'backfilled');
  assert.equal(runCli(['backfill', '--data-dir', expected, ...FORK_OPTIONS, FORK_LOG]).code, 0);
  const data = join(dir, 'data');
  const live = join(dir, 'prosody.log');
  for (const piece of pieces(readFileSync(FORK_LOG), 5)) {
    appendFileSync(live, piece);
    const r = runCli(['tail', '--once', '--data-dir', data, ...FORK_OPTIONS, live]);
    assert.equal(r.code, 0, r.stderr);
  }
  // Read by a real Lua VM: the fork's tables (and our IPv6 login), as backfill writes them.
  assert.deepEqual(readStoreWithLua(data), readStoreWithLua(expected));
  const months = readStoreWithLua(data)['example.com']!.months as unknown as Record<string, Record<string, { users_seen: number }>>;
  assert.equal(months['2026-11']!['DE-HE-2925533']!.users_seen, 3);
});

test('tail in the module\'s layout into the fork\'s store stops before writing, naming the file and month', () => {
  const data = copyTree(join(FORK, 'data'), join(tempDir(), 'data'));
  const before = snapshotTree(data);
  const r = runCli(['tail', '--once', '--data-dir', data, '--mmdb', FORK_CITY, '--timezone', 'UTC', '--year', '2026', FORK_LOG]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr.trim(), /^monthly-visitors: .*%2e.*\/monthly%2dvisitors\.dat: month "2026-1[01]" is in the ISP fork's layout, but this run counts in the module's layout \(--layout\): one store holds one layout$/);
  const after = snapshotTree(data);
  for (const [path, content] of before) assert.equal(after.get(path), content, path);
});
