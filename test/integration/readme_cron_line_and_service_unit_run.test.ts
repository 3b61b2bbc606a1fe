import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fixture, ROOT } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';
import { storeContents } from '../helpers/tail-scenario.js';

/**
 * The README's cron line and systemd unit, run as written — with this machine's paths put in for
 * /etc/prosody, /var/lib/prosody, the GeoIP database and the log (there is no cron daemon or
 * systemd here; what they would run is run directly).
 */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const P1 = fixture('prosody-0.12-p1');

/** A Prosody config like an operator's: data dir, a debug log file sink, the module's patterns. */
function operatorSetup(): { dir: string; config: string; data: string; log: string } {
  const dir = tempDir();
  const data = join(dir, 'data');
  const log = join(dir, 'prosody.log');
  copyFileSync(join(P1, 'prosody.debug.log'), log);
  const config = join(dir, 'prosody.cfg.lua');
  writeFileSync(
    config,
    `data_path = "${data}"
log = { debug = "${log}" }
mod_monthly_visitors_client_patterns = {}
mod_monthly_visitors_client_patterns["^Gajim"] = "DESKTOP"
mod_monthly_visitors_client_patterns["^Conversations%..*"] = "ANDROID"
VirtualHost "example.com"
VirtualHost "chat.example.org"
`,
  );
  return { dir, config, data, log };
}

function substitute(command: string, setup: { config: string }): string[] {
  return command
    .replace('/etc/prosody/prosody.cfg.lua', setup.config)
    .replace('/usr/share/GeoIP/GeoLite2-City.mmdb', join(P1, 'test-GeoIP2-City.mmdb'))
    .split(/\s+/)
    .filter((w) => w !== '');
}

function expectedStore(setup: { data: string; log: string }): Map<string, string> {
  const data = join(tempDir(), 'data');
  const r = runCli(
    ['backfill', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), '--client-pattern', '^Gajim=DESKTOP', '--client-pattern', '^Conversations%..*=ANDROID', setup.log],
    { env: { TZ: 'UTC', MONTHLY_VISITORS_PROSODY_CONFIG: '' } },
  );
  assert.equal(r.code, 0, r.stderr);
  return storeContents(data);
}

test('the README cron line counts the log, silently, and a second run changes nothing', () => {
  const line = /^\*\/5 \* \* \* \* prosody monthly-visitors (tail .*)$/m.exec(README);
  assert.ok(line, 'the README has a cron line');
  const setup = operatorSetup();
  const env = { TZ: 'UTC', MONTHLY_VISITORS_PROSODY_CONFIG: '' };
  const first = runCli(substitute(line[1], setup), { env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout + first.stderr, '', 'cron mails any output: a good run prints nothing');
  assert.deepEqual(storeContents(setup.data), expectedStore(setup));
  const before = snapshotTree(setup.data);
  const second = runCli(substitute(line[1], setup), { env });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout + second.stderr, '');
  assert.deepEqual(snapshotTree(setup.data), before);
});

test("the README service unit's command follows the log, reloads on its ExecReload signal and stops cleanly on its KillSignal", async () => {
  const unit = /```ini\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
  const exec = /^ExecStart=\/usr\/local\/bin\/monthly-visitors (tail .*)$/m.exec(unit);
  const killSignal = /^KillSignal=(\w+)$/m.exec(unit)?.[1] as NodeJS.Signals | undefined;
  const reload = /^ExecReload=\/bin\/kill -(\w+) \$MAINPID$/m.exec(unit)?.[1];
  assert.ok(exec && killSignal && reload, 'the README has a unit with ExecStart, KillSignal and ExecReload');
  const setup = operatorSetup();
  const child = spawn(process.execPath, [BIN, ...substitute(exec[1], setup), '--commit-interval', '0.2'], {
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', MONTHLY_VISITORS_PROSODY_CONFIG: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const state = join(setup.data, 'monthly-visitors.tail-state.json');
  const size = readFileSync(setup.log).length;
  for (let waited = 0; !(existsSync(state) && readFileSync(state, 'utf8').includes(`"processedTo": ${size}`)); waited += 50) {
    if (waited > 300_000) assert.fail(`the service did not catch up: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(`SIG${reload}` as NodeJS.Signals);
  for (let waited = 0; !stderr.includes('re-read'); waited += 50) {
    if (waited > 300_000) assert.fail(`no reload: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(killSignal);
  assert.equal(await exited, 0, stderr);
  assert.deepEqual(storeContents(setup.data), expectedStore(setup));
});
