import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { storeContents } from '../helpers/tail-scenario.js';
import { tempDir } from '../helpers/tree.js';
import { contrib, expectedStore, operatorSetup, substitute } from '../helpers/contrib-setup.js';

/**
 * contrib/'s systemd units and logrotate snippet, checked by the platform's own tools (Debian
 * packages systemd and logrotate; .ci/run installs them): `systemd-analyze verify` must accept the
 * units without a single warning, `logrotate -d` the snippet, and a real logrotate run with the
 * snippet between `tail --once` runs of the timer's command must lose and double nothing.
 */

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(existsSync);
const LOGROTATE = ['/usr/sbin/logrotate', '/sbin/logrotate', '/usr/bin/logrotate'].find(existsSync);
const UNITS = ['monthly-visitors.service', 'monthly-visitors-once.service', 'monthly-visitors-once.timer'];

test('systemd-analyze verify accepts the units, with no warning', { skip: SYSTEMD_ANALYZE ? false : 'systemd-analyze not installed (Debian package systemd)' }, () => {
  const dir = tempDir();
  for (const unit of UNITS) {
    // verify checks that ExecStart's program exists: this machine's, in place of /usr/local/bin's.
    writeFileSync(join(dir, unit), contrib(`systemd/${unit}`).replaceAll('/usr/local/bin/monthly-visitors', BIN));
  }
  const r = spawnSync(SYSTEMD_ANALYZE!, ['verify', ...UNITS.map((u) => join(dir, u))], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '', 'no warning either (an unknown key is only a warning)');
  // The hardening the docs promise is in both services.
  for (const unit of ['monthly-visitors.service', 'monthly-visitors-once.service']) {
    const text = contrib(`systemd/${unit}`);
    for (const line of ['User=prosody', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/prosody', 'NoNewPrivileges=yes', 'PrivateTmp=yes']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'), `${unit}: ${line}`);
    }
  }
});

test("systemd-analyze security rates both services' exposure 3.0 or better (of 10)", { skip: SYSTEMD_ANALYZE ? false : 'systemd-analyze not installed (Debian package systemd)' }, (t) => {
  const help = spawnSync(SYSTEMD_ANALYZE!, ['--help'], { encoding: 'utf8' }).stdout;
  if (!help.includes('--offline')) return t.skip('this systemd-analyze cannot rate unit files offline (systemd < 250)');
  const dir = tempDir();
  for (const unit of ['monthly-visitors.service', 'monthly-visitors-once.service']) {
    const file = join(dir, unit);
    writeFileSync(file, contrib(`systemd/${unit}`).replaceAll('/usr/local/bin/monthly-visitors', BIN));
    const r = spawnSync(SYSTEMD_ANALYZE!, ['security', '--offline=yes', '--threshold=30', '--no-pager', file], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_COLORS: '0' } });
    assert.equal(r.status, 0, `${unit}: ${r.stdout.split('\n').filter((l) => l.includes('✗')).join('\n')}${r.stderr}`);
    assert.match(r.stdout, /Overall exposure level for .*: [0-2]\.\d|Overall exposure level for .*: 3\.0/);
  }
});

test('logrotate -d accepts the snippet', { skip: LOGROTATE ? false : 'logrotate not installed (Debian package logrotate)' }, () => {
  const dir = tempDir();
  const r = spawnSync(LOGROTATE!, ['-d', '-s', join(dir, 'state'), snippetFile(dir)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stderr + r.stdout, /^error:/m);
  assert.match(r.stderr + r.stdout, /rotating pattern: .*prosody\.log .*prosody\.err/);
});

test('rotations by the snippet between runs of the timer service lose and double nothing', { skip: LOGROTATE ? false : 'logrotate not installed (Debian package logrotate)' }, () => {
  const setup = operatorSetup();
  const full = readFileSync(setup.log);
  const expected = expectedStore(setup);
  // The log in four parts at line ends; the live log starts with the first.
  const cuts = [0.25, 0.5, 0.75].map((f) => full.indexOf(0x0a, Math.floor(full.length * f)) + 1);
  const parts = [0, ...cuts, full.length].slice(1).map((end, i, ends) => full.subarray(i === 0 ? 0 : ends[i - 1], end));
  writeFileSync(setup.log, parts[0]);
  const exec = /^ExecStart=\/usr\/local\/bin\/monthly-visitors (tail .*)$/m.exec(contrib('systemd/monthly-visitors-once.service'))![1];
  const run = () => {
    const r = runCli(substitute(exec, setup), { env: { TZ: 'UTC' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
  };
  const config = snippetFile(setup.dir, setup.log);
  const rotate = () => {
    const r = spawnSync(LOGROTATE!, ['-f', '-s', join(setup.dir, 'logrotate.state'), config], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  run();
  appendFileSync(setup.log, parts[1]);
  rotate(); // prosody.log → prosody.log.1 (delaycompress: plain), a new empty prosody.log
  appendFileSync(setup.log, parts[2]);
  run();
  appendFileSync(setup.log, parts[3]);
  rotate(); // prosody.log.1 → prosody.log.2.gz, prosody.log → prosody.log.1
  run();
  const names = readdirSync(setup.dir).filter((n) => n.startsWith('prosody.log')).sort();
  assert.deepEqual(names, ['prosody.log', 'prosody.log.1', 'prosody.log.2.gz'], 'the snippet rotated as it says');
  assert.deepEqual(storeContents(setup.data), expected);
});

/**
 * The snippet with a test folder's paths for Debian's: the logs, the owner of new logs (this
 * user: prosody and adm may not exist here) and Prosody's pid file (absent: no reload is sent).
 */
function snippetFile(dir: string, log = '/var/log/prosody/prosody.log'): string {
  const id = (flag: string) => spawnSync('id', [flag], { encoding: 'utf8' }).stdout.trim();
  const text = contrib('logrotate/prosody')
    .replace('/var/log/prosody/prosody.log /var/log/prosody/prosody.err', `${log} ${log.replace(/\.log$/, '.err')}`)
    .replace('create 640 prosody adm', `create 640 ${id('-un')} ${id('-gn')}`)
    .replace('/run/prosody/prosody.pid', join(dir, 'prosody.pid'));
  const file = join(dir, 'logrotate.conf');
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}
