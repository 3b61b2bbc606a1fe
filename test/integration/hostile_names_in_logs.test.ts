/**
 * Usernames, hosts and resources are attacker-chosen text (SPEC §3, §10). A crafted Prosody debug
 * log carries them through the whole CLI: every file lands inside its folder under an encoded
 * name, names too long for a file name are skipped and counted (never cut: a cut name could be
 * another user's file), and nothing from the log reaches stdout or stderr unescaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';

const MMDB = fixture('prosody-0.12-p1/test-GeoIP2-City.mmdb');

/** Two lines of Prosody 0.12's debug log: a session connects and binds `jid`. */
function login(n: number, jid: string): string {
  return `Sep 03 09:00:${String(n % 60).padStart(2, '0')} c2s${n}\tinfo\tClient connected\nSep 03 09:00:${String(n % 60).padStart(2, '0')} c2s${n}\tdebug\tResource bound: ${jid}\n`;
}

// Lower-case or uncased already, so the normalised name is the name itself.
const STORABLE_USERS = [
  '../../../../tmp/pwned', '..', '.', '/etc/passwd', 'a\\b', 'nul\0byte', '100%', '%2e%2e', 'esc\x1b[31mred', 'rtl\u202egnp.exe',
  'bell\x07', 'tab\tuser', 'c1\u009bx', 'ltr\u200emark', 'émile', '.'.repeat(83), // 83 × "%2e" + ".dat~" = 254 bytes
];
const TOO_LONG_USERS = ['x'.repeat(1000), 'é'.repeat(100), '.'.repeat(84)]; // 1000, 600, 252 encoded bytes + 5
// (A `/` ends the host in a JID: `alice@../x/y` is host `..`, resource `x/y`.)
const STORABLE_HOSTS = ['..\\evil', '..', 'a\0b', '%2e', '.'.repeat(85)]; // 85 × 3 = 255 bytes
const TOO_LONG_HOSTS = ['x'.repeat(256), '.'.repeat(86)];

function craftedLog(dir: string): string {
  const lines: string[] = [];
  let n = 1;
  for (const u of [...STORABLE_USERS, ...TOO_LONG_USERS]) lines.push(login(n++, `${u}@example.com/Res\x1b]0;pwn\x07\u202e${n}`));
  for (const h of [...STORABLE_HOSTS, ...TOO_LONG_HOSTS]) lines.push(login(n++, `alice@${h}/../../x`));
  const log = join(dir, 'prosody.log');
  writeFileSync(log, lines.join(''));
  return log;
}

/** Every path under `dir` (lstat: a symlink is reported, not followed). */
function walk(dir: string): Array<{ path: string; name: string; kind: string }> {
  const out: Array<{ path: string; name: string; kind: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    out.push({ path: p, name, kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' });
    if (st.isDirectory()) out.push(...walk(p));
  }
  return out;
}

/** Prosody's datamanager encode(), written out independently: %xx for every byte but [A-Za-z0-9]. */
function prosodyEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

test('hostile names: every file stays in its folder under its encoded name; too-long names are a counted skip', () => {
  const dir = tempDir();
  const log = craftedLog(dir);
  const data = join(dir, 'data');
  const r = runCli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', '--json', log]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.unstorable, TOO_LONG_USERS.length + TOO_LONG_HOSTS.length);
  assert.equal(summary.counted, STORABLE_USERS.length + STORABLE_HOSTS.length);
  assert.match(r.stderr, /warning: 5 logins were skipped: their user or host name is too long to be a file name/);

  // Nothing was created beside the data dir, nothing in it is a link or a device, no name is too long.
  assert.deepEqual(readdirSync(dir).sort(), ['data', 'prosody.log']);
  const entries = walk(data);
  for (const e of entries) {
    assert.notEqual(e.kind, 'other', e.path);
    assert.ok(Buffer.byteLength(e.name) <= 255, `${e.name.length}-byte name`);
    assert.match(e.name, /^[A-Za-z0-9%_.~-]+$/, 'only encoded names on disk');
  }
  const hostDirs = readdirSync(data).sort();
  assert.deepEqual(hostDirs, ['example.com', ...STORABLE_HOSTS].map(prosodyEncode).sort());
  const users = readdirSync(join(data, prosodyEncode('example.com'), 'monthly%2dvisitors')).sort();
  assert.deepEqual(users, STORABLE_USERS.map((u) => `${prosodyEncode(u)}.dat`).sort());

  // A real Lua VM reads the same names and counts back.
  const store = readStoreWithLua(data);
  assert.deepEqual(Object.keys(store['example.com']!.last_recorded).sort(), [...STORABLE_USERS].sort());
  assert.deepEqual(store['example.com']!.months['2026-09'], { 'client-?': STORABLE_USERS.length, 'geo-?-?-?': STORABLE_USERS.length });
  for (const h of STORABLE_HOSTS) assert.deepEqual(store[h]!.last_recorded, { alice: '2026-09' });

  // The summary on stderr names no user and carries no control characters. Hosts may appear
  // (backfill names the hosts of partial months), escaped.
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
  assert.ok(!r.stderr.includes('pwned'));
});

test('events --json: names and resources from the log are escaped, and read back exactly', () => {
  const dir = tempDir();
  const log = craftedLog(dir);
  const r = runCli(['events', '--timezone', 'UTC', '--year', '2026', log]);
  assert.equal(r.code, 0, r.stderr);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { user: string; host: string; resource: string });
  const users = events.filter((e) => e.host === 'example.com').map((e) => e.user);
  assert.deepEqual(users, [...STORABLE_USERS, ...TOO_LONG_USERS]); // events shows what the log holds
  assert.equal(events[0]!.resource, 'Res\x1b]0;pwn\x07\u202e2');
});

test('check --json and error messages escape what came from file names', () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  const log = craftedLog(dir);
  assert.equal(runCli(['backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', log]).code, 0);
  const check = runCli(['check', '--json', '--data-dir', data]);
  assert.equal(check.code, 0, check.stderr);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(check.stdout + check.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
  assert.ok((JSON.parse(check.stdout).dataDir.hosts as string[]).includes('a\0b'));

  const missing = runCli(['events', join(dir, 'log\x1b]0;x\x07\u202e.txt')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /log\\u001b\]0;x\\u0007\\u202e\.txt: no such file/);
});

test('pathological_resource_for_a_client_pattern: the pattern gives up on it, the next one classifies it, the run goes on', () => {
  const dir = tempDir();
  const log = join(dir, 'prosody.log');
  writeFileSync(log, login(1, `alice@example.com/Gajim${'a'.repeat(2000)}`) + login(2, 'bob@example.com/ax'));
  const data = join(dir, 'data');
  const r = runCli([
    'backfill', '--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026', '--json',
    '--client-pattern', '^.-.-.-.-x$=SLOW', '--client-pattern', '^Gajim=DESKTOP', log,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).patternGaveUp, 1);
  assert.match(r.stderr, /warning: 1 resources took a client pattern too much work to match; they were taken as not matching it/);
  assert.deepEqual(readStoreWithLua(data)['example.com']!.months['2026-09'], { 'client-DESKTOP': 1, 'client-SLOW': 1, 'geo-?-?-?': 2 });
});
