import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { copyTree, snapshotTree, tempDir } from '../helpers/tree.js';

// Issue 16 §1: each mistake an operator can make in a cron line or config stops the run with one
// line naming the option or file and the fix, exit 2 (usage/config), and nothing written.
const P1 = fixture('prosody-0.12-p1');
const MMDB = join(P1, 'test-GeoIP2-City.mmdb');
const LOG = join(P1, 'prosody.debug.log');
const TYPES = fixture('geoip-database-types');

/** A data dir that already holds the module's real output, so "nothing changed" means something. */
function liveStore(): string {
  return copyTree(join(P1, 'data'), join(tempDir(), 'data'));
}

const counting = (data: string, ...extra: string[]) => ['--data-dir', data, '--mmdb', MMDB, '--timezone', 'UTC', ...extra];

/** Exit `code`, exactly one line on stderr naming `what`, nothing on stdout, the tree as before. */
function assertOneLineFailure(r: CliResult, code: number, what: RegExp, tree?: { dir: string; before: Map<string, string> }): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^monthly-visitors: /);
  assert.match(lines[0]!, what);
  assert.ok(lines[0]!.length < 300, `a short line: ${lines[0]}`);
  if (tree) assert.deepEqual(snapshotTree(tree.dir), tree.before);
}

test('record_country_must_be_an_assigned_iso_code: UK, EL, XX, EU are refused with the fix, in flags and in config files', () => {
  const data = liveStore();
  const tree = { dir: data, before: snapshotTree(data) };
  const cases: Array<[string, RegExp]> = [
    ['UK', /--record-country "UK": UK is not an ISO 3166-1 country code; use GB \(the United Kingdom\)/],
    ['EL', /--record-country "EL": EL is not an ISO 3166-1 country code; use GR \(Greece\)/],
    ['DE,XX', /--record-country "DE,XX": XX is not an assigned ISO 3166-1 country code; use ALL, DE, or DE,AT,CH/],
    ['EU', /--record-country "EU": EU is not an ISO 3166-1 country code; use the member states' codes/],
  ];
  for (const [codes, message] of cases) {
    for (const command of ['backfill', 'tail']) {
      assertOneLineFailure(runCli([command, ...counting(data, '--year', '2026', '--record-country', codes), LOG]), 2, message, tree);
    }
  }
  const dir = tempDir();
  writeFileSync(join(dir, 'mv.json'), JSON.stringify({ record_country: 'UK' }));
  assertOneLineFailure(runCli(['backfill', '--config', join(dir, 'mv.json'), ...counting(data, '--year', '2026'), LOG]), 2, /mv\.json: record_country "UK": .*use GB/, tree);
  writeFileSync(join(dir, 'prosody.cfg.lua'), 'mod_monthly_visitors_record_country = "EL"\n');
  assertOneLineFailure(
    runCli(['backfill', '--prosody-config', join(dir, 'prosody.cfg.lua'), ...counting(data, '--year', '2026'), LOG]),
    2,
    /prosody\.cfg\.lua:1: mod_monthly_visitors_record_country "EL": .*use GR/,
    tree,
  );
  // An assigned code is taken (GB), and so is MaxMind's Kosovo (XK).
  assert.equal(runCli(['backfill', '--dry-run', '-q', ...counting(data, '--year', '2026', '--record-country', 'gb,XK'), LOG]).code, 0);
});

test('standard_input_without_year: exit 2 before anything is written; with --year it counts', () => {
  const data = liveStore();
  const tree = { dir: data, before: snapshotTree(data) };
  const log = readFileSync(LOG);
  assertOneLineFailure(
    runCli(['backfill', ...counting(data), '-'], { input: log }),
    2,
    /^monthly-visitors: the year of a log on standard input cannot be inferred; give --year$/,
    tree,
  );
  const ok = runCli(['backfill', '--dry-run', '--json', ...counting(data, '--year', '2026'), '-'], { input: log });
  assert.equal(ok.code, 0, ok.stderr);
  const input = (JSON.parse(ok.stdout) as { inputs: Array<{ label: string; year: number; yearFrom: string }> }).inputs[0]!;
  assert.deepEqual([input.label, input.year, input.yearFrom], ['-', 2026, '--year']);
});

test('year_inferred_from_an_old_file_date_is_named: -v and --json per input, a warning even under -q', () => {
  const data = liveStore();
  const dir = tempDir();
  const log = join(dir, 'prosody.log');
  copyFileSync(LOG, log);
  // Restored from a backup, its date says 2024-09-10: its "Sep 03" lines are taken as 2024.
  const mtime = new Date('2024-09-10T12:00:00Z');
  utimesSync(log, mtime, mtime);
  const warning = `warning: ${log}: its lines have no year; took 2024 from its modification time (give --year if that is wrong)`;
  const quiet = runCli(['backfill', '--dry-run', '-q', ...counting(data), log]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.ok(quiet.stderr.split('\n').includes(warning), quiet.stderr);
  const verbose = runCli(['backfill', '--dry-run', '-v', ...counting(data), log]);
  assert.match(verbose.stderr, /prosody\.log: prosody, 716 lines, .*, year 2024 \(inferred from its modification time\)/);
  const json = JSON.parse(runCli(['backfill', '--dry-run', '--json', ...counting(data), log]).stdout) as { inputs: Array<{ year: number; yearFrom: string }> };
  assert.deepEqual([json.inputs[0]!.year, json.inputs[0]!.yearFrom], [2024, 'modification-time']);
  // --year says it: no warning.
  const given = runCli(['backfill', '--dry-run', '-q', ...counting(data, '--year', '2024'), log]);
  assert.ok(!given.stderr.includes('its lines have no year'), given.stderr);
});

test('geoip_database_of_another_kind: ASN and Anonymous-IP are refused naming the type; Country counts with a warning; City kinds count places', () => {
  const data = liveStore();
  const tree = { dir: data, before: snapshotTree(data) };
  for (const type of ['GeoLite2-ASN', 'GeoIP2-Anonymous-IP']) {
    const mmdb = join(TYPES, `${type}.mmdb`);
    for (const command of ['backfill', 'tail', 'check']) {
      const r = runCli([command, '-q', '--data-dir', data, '--mmdb', mmdb, '--year', '2026', LOG]);
      assertOneLineFailure(r, 2, new RegExp(`${type}\\.mmdb: a "${type}" database has no places of logins; use a City database`), tree);
    }
  }
  // Written by MaxMind's own writer: 127.0.1.0/24 is Germany (and Hesse, Frankfurt in City kinds).
  const keysAfterBackfill = (type: string): { code: number; stderr: string; keys: string[] } => {
    const fresh = join(tempDir(), 'data');
    mkdirSync(fresh);
    const r = runCli(['backfill', '-q', '--data-dir', fresh, '--mmdb', join(TYPES, `${type}.mmdb`), '--timezone', 'UTC', '--year', '2026', LOG]);
    const keys = new Set<string>();
    for (const host of readdirSync(fresh)) {
      for (const m of readFileSync(join(fresh, host, 'monthly%2dvisitors.dat'), 'utf8').matchAll(/\["(geo-[^"]*)"\]/g)) keys.add(m[1]!);
    }
    // The log covers part of September only: that warning is not the one looked at here.
    const stderr = r.stderr.split('\n').filter((l) => !/backfilled months are partial/.test(l)).join('\n');
    return { code: r.code, stderr, keys: [...keys].sort() };
  };
  for (const type of ['GeoLite2-Country', 'GeoIP2-Country']) {
    const r = keysAfterBackfill(type);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `warning: ${join(TYPES, `${type}.mmdb`)} is a ${type} database: every place will be CC-?-? (subdivision and city ?); use a City database for them\n`);
    assert.deepEqual(r.keys, ['geo-?-?-?', 'geo-DE-?-?']);
  }
  for (const type of ['GeoLite2-City', 'GeoIP2-Enterprise', 'DBIP-City-Lite']) {
    const r = keysAfterBackfill(type);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.keys, ['geo-?-?-?', 'geo-DE-HE-2925533']);
  }
});

test('data_dir_that_is_not_one: a typo grows no tree, a host folder points to its parent, a file is not a directory', () => {
  const root = tempDir();
  const before = snapshotTree(root);
  // Parent missing too: a typo, nothing is created.
  const typo = join(root, 'var-lib-prosdy', 'data');
  for (const command of ['backfill', 'tail']) {
    assertOneLineFailure(runCli([command, ...counting(typo, '--year', '2026'), LOG]), 2, new RegExp(`data dir ${typo}: no such directory, nor its parent ${join(root, 'var-lib-prosdy')} \\(a typo\\?\\)`));
  }
  assert.deepEqual(snapshotTree(root), before);
  // One host's folder given as the data dir.
  const data = copyTree(join(P1, 'data'), join(root, 'data'));
  const host = join(data, 'example%2ecom');
  const tree = { dir: root, before: snapshotTree(root) };
  for (const command of ['backfill', 'tail', 'check', 'report']) {
    const args = command === 'report' ? ['report', '--data-dir', host] : [command, '-q', ...counting(host, '--year', '2026'), LOG];
    assertOneLineFailure(runCli(args), 2, new RegExp(`data dir ${host}: this is the folder of one host \\(example\\.com\\) inside Prosody's data dir; give the data dir itself: ${data}$`), tree);
  }
  // A regular file: "not a directory" in every command.
  const file = join(root, 'data.txt');
  writeFileSync(file, 'not a data dir\n');
  const files = { dir: root, before: snapshotTree(root) };
  const commands = [
    ['backfill', ...counting(file, '--year', '2026'), LOG],
    ['tail', '--once', ...counting(file, '--year', '2026'), LOG],
    ['check', '-q', ...counting(file, '--year', '2026'), LOG],
    ['report', '--data-dir', file],
    ['prune', '--keep-months', '12', '--data-dir', file],
    ['migrate', '--from', 'internal', '--to', 'sql', '--data-dir', file, '--sql-database', join(root, 'x.sqlite')],
    ['migrate', '--from', 'sql', '--to', 'internal', '--data-dir', file, '--sql-database', join(root, 'x.sqlite')],
  ];
  for (const args of commands) assertOneLineFailure(runCli(args), 2, new RegExp(`data dir ${file}: not a directory$`), files);
});

test('missing_data_dir_in_an_existing_folder: created by the writing commands, with a warning that -q prints', () => {
  const root = tempDir();
  const data = join(root, 'data');
  const r = runCli(['backfill', '-q', ...counting(data, '--year', '2026'), LOG]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.split('\n')[0], `warning: the data dir ${data} does not exist; this run creates it`);
  assert.ok(existsSync(join(data, 'example%2ecom', 'monthly%2dvisitors.dat')));
  // Read-only commands do not create it: report says it is missing (exit 1, a store that cannot be read).
  const other = join(root, 'other');
  assertOneLineFailure(runCli(['report', '--data-dir', other]), 1, new RegExp(`${other}: no such data directory`));
  assert.ok(!existsSync(other));
});

test('binary_file_as_a_log: "does not look like a text log", one short line, nothing written', () => {
  const data = liveStore();
  const tree = { dir: data, before: snapshotTree(data) };
  const binary = process.execPath; // an executable, as /bin/ls would be
  for (const args of [[], ['--format', 'prosody']]) {
    for (const command of ['backfill', 'check', 'events']) {
      const r = runCli(command === 'events' ? ['events', '--year', '2026', ...args, binary] : [command, '-q', ...counting(data, '--year', '2026', ...args), binary]);
      assertOneLineFailure(r, 2, new RegExp(`${binary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: does not look like a text log \\(it holds binary data\\); name the log file$`), tree);
    }
  }
});

test('prune_keep_months_outside_1_to_1200: exit 2; the oldest month kept is always a real month', () => {
  const data = liveStore();
  const tree = { dir: data, before: snapshotTree(data) };
  for (const n of ['0', '1201', '99999999', '-3', '1e3']) {
    assertOneLineFailure(runCli(['prune', '--data-dir', data, '--keep-months', n]), 2, new RegExp(`--keep-months "${n}": give a whole number of months from 1 to 1200`), tree);
  }
  const r = runCli(['prune', '--data-dir', data, '--keep-months', '1200', '--now', '0001-03', '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { oldestKept: string }).oldestKept, '0000-01');
  const century = JSON.parse(runCli(['prune', '--data-dir', data, '--keep-months', '1200', '--now', '2026-11', '--dry-run', '--json']).stdout) as { oldestKept: string };
  assert.equal(century.oldestKept, '1926-12');
  assert.deepEqual(snapshotTree(data), tree.before);
});

test("commander_errors_read_as_ours: one line, the command's --help named, exit 2", () => {
  const data = liveStore();
  const tree = { dir: data, before: snapshotTree(data) };
  const missing = runCli(['prune', '--data-dir', data]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "monthly-visitors: error: required option '--keep-months <n>' not specified (see monthly-visitors prune --help)\n");
  assertOneLineFailure(runCli(['backfill', '--no-such-option', LOG]), 2, /^monthly-visitors: error: unknown option '--no-such-option' \(see monthly-visitors backfill --help\)$/, tree);
  assertOneLineFailure(runCli(['no-such-command']), 2, /^monthly-visitors: error: unknown command 'no-such-command' \(see monthly-visitors --help\)$/);
  assertOneLineFailure(runCli(['migrate', '--from', 'internal', '--to', 'sql', '--storage', 'sql']), 2, /unknown option '--storage' \(see monthly-visitors migrate --help\)/);
  assertOneLineFailure(
    runCli(['backfill', ...counting(data, '--format', 'apache'), LOG]),
    2,
    /--format apache: unknown format; known: auto, prosody, prosody-syslog, prosody-journal-json, ejabberd, prosody-docker-json, ejabberd-docker-json, prosody-docker-logs, ejabberd-docker-logs, prosody-cri, ejabberd-cri, regex \(with --line-regex\)$/,
    tree,
  );
});

