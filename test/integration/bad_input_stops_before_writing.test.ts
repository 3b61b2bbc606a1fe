import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';

const P1 = fixture('prosody-0.12-p1');
const MMDB = join(P1, 'test-GeoIP2-City.mmdb');
const LOG = join(P1, 'prosody.debug.log');

/** A data dir that already holds the module's real output, so "nothing changed" means something. */
function liveStore(): string {
  return copyTree(join(P1, 'data'), join(tempDir(), 'data'));
}

function backfill(data: string, ...extra: string[]) {
  return runCli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', ...extra]);
}

/** One line on stderr, naming `what`; exit `code`; every file as before. */
function assertCleanFailure(r: { code: number; stderr: string }, code: number, what: RegExp, data: string, before: Map<string, string>) {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^monthly-visitors: /);
  assert.match(lines[0], what);
  assert.deepEqual(snapshotTree(data), before);
}

test('missing log file: exit 2, names the file, writes nothing', () => {
  const data = liveStore();
  const before = snapshotTree(data);
  const r = backfill(data, LOG, '/nonexistent/prosody.log');
  assertCleanFailure(r, 2, /\/nonexistent\/prosody\.log: no such file/, data, before);
});

test('GeoIP database missing or not an mmdb: exit 2, names the file, writes nothing', () => {
  const data = liveStore();
  const before = snapshotTree(data);
  const missing = runCli(['backfill', '--data-dir', data, '--mmdb', '/nonexistent.mmdb', LOG]);
  assertCleanFailure(missing, 2, /\/nonexistent\.mmdb: cannot read the GeoIP database: no such file/, data, before);
  const notMmdb = runCli(['backfill', '--data-dir', data, '--mmdb', LOG, LOG]);
  assertCleanFailure(notMmdb, 2, /prosody\.debug\.log: not a MaxMind DB/, data, before);
});

test('malformed client pattern: exit 2 with Lua\'s message, writes nothing', () => {
  const data = liveStore();
  const before = snapshotTree(data);
  const r = backfill(data, '--client-pattern', '^Zom-.*=IOS', '--client-pattern', '^zom%=IOS', LOG);
  assertCleanFailure(r, 2, /\^zom%.*malformed pattern \(ends with '%'\)/, data, before);
});

test('bad --record-country: exit 2, writes nothing', () => {
  const data = liveStore();
  const before = snapshotTree(data);
  assertCleanFailure(backfill(data, '--record-country', 'Germany', LOG), 2, /--record-country "Germany"/, data, before);
});

test('unknown option and bad --year / --timezone are usage errors (exit 2)', () => {
  const data = liveStore();
  assert.equal(runCli(['backfill', '--no-such-option', LOG]).code, 2);
  assert.equal(backfill(data, '--year', 'last', LOG).code, 2);
  const tz = backfill(data, '--timezone', 'Mars/Olympus', LOG);
  assert.equal(tz.code, 2);
  assert.match(tz.stderr, /--timezone "Mars\/Olympus": not a known IANA time zone/);
});

test('corrupt .dat (code instead of data): exit 1, names the file, every file byte-identical', () => {
  const data = liveStore();
  const victim = join(data, 'example%2ecom', 'monthly%2dvisitors', 'alice.dat');
  writeFileSync(victim, 'return os.execute("touch /tmp/pwned");\n');
  const before = snapshotTree(data);
  const r = backfill(data, LOG);
  assertCleanFailure(r, 1, /alice\.dat/, data, before);
});

test('truncated host record: exit 1, names the file, nothing written', () => {
  const data = liveStore();
  const victim = join(data, 'chat%2eexample%2eorg', 'monthly%2dvisitors.dat');
  writeFileSync(victim, readFileSync(victim).subarray(0, 40));
  const before = snapshotTree(data);
  assertCleanFailure(backfill(data, LOG), 1, /chat%2eexample%2eorg\/monthly%2dvisitors\.dat/, data, before);
});

test('read-only data dir: exit 1, names the dir, nothing written', (t) => {
  const data = liveStore();
  chmodSync(dirname(data), 0o755);
  chmodSync(data, 0o555);
  const before = snapshotTree(data);
  const args = ['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', LOG];
  let r;
  if (process.getuid?.() === 0) {
    // Root ignores permission bits, so the run is made as an unprivileged user, like Prosody's own.
    if (!nobodyCanRunCli()) return t.skip('running as root and user nobody cannot read this checkout');
    r = runAsNobody(args);
  } else {
    r = runCli(args);
  }
  assertCleanFailure(r, 1, new RegExp(`${escapeRegExp(data)}: .*(permission denied|not writable)`), data, before);
});

test('garbage and truncated lines in a log are counted and skipped; the run goes on', () => {
  const dir = tempDir();
  const log = join(dir, 'mixed.log');
  writeFileSync(log, readFileSync(LOG));
  appendFileSync(log, 'garbage line\n\u0000\u0001binary\nSep 03 09:1\n');
  const data = join(dir, 'data');
  const r = backfill(data, '--json', log);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).unparsable, 3);
  assert.match(r.stderr, /warning: 3 lines were not in the log's format/);
  assert.equal(Object.keys(readStoreWithLua(data)).length, 2);
});

/** Runs the CLI as `nobody` (for permission tests under root). */
function runAsNobody(args: string[]) {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function nobodyCanRunCli(): boolean {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '--version']).status === 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
