import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/tree.js';
import { storeContents } from '../helpers/tail-scenario.js';
import { contrib, expectedStore, operatorSetup, substitute } from '../helpers/contrib-setup.js';

/**
 * contrib/'s cron file, timer service and follow-mode service, run as written — with this
 * machine's paths put in for /etc/prosody, /var/lib/prosody, the GeoIP database and the log (no
 * cron daemon or systemd runs here; what they would run is run directly). That the files are
 * valid for cron's and systemd's own readers is contrib_units_and_logrotate_snippet_pass_the_platforms_checks.
 */

function runsSilentlyAndOnce(command: string): void {
  const setup = operatorSetup();
  const env = { TZ: 'UTC', MONTHLY_VISITORS_PROSODY_CONFIG: '' };
  const first = runCli(substitute(command, setup), { env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout + first.stderr, '', 'cron mails any output: a good run prints nothing');
  assert.deepEqual(storeContents(setup.data), expectedStore(setup));
  const before = snapshotTree(setup.data);
  const second = runCli(substitute(command, setup), { env });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout + second.stderr, '');
  assert.deepEqual(snapshotTree(setup.data), before);
}

test('the cron file counts the log, silently, and a second run changes nothing', () => {
  const cron = contrib('cron/monthly-visitors');
  const line = /^\*\/5 \* \* \* \* prosody monthly-visitors (tail .*)$/m.exec(cron);
  assert.ok(line, 'the cron file has the line');
  assert.match(cron, /^PATH=.*\/usr\/local\/bin/m, "cron's PATH finds the command where the units expect it");
  runsSilentlyAndOnce(line[1]);
});

test("the timer's oneshot service counts the log, silently, and a second run changes nothing", () => {
  const exec = /^ExecStart=\/usr\/local\/bin\/monthly-visitors (tail .*)$/m.exec(contrib('systemd/monthly-visitors-once.service'));
  assert.ok(exec, 'the oneshot service has ExecStart');
  assert.match(exec[1], /--once/);
  assert.match(contrib('systemd/monthly-visitors-once.timer'), /^OnCalendar=\*:0\/5$/m, 'every 5 minutes, like the cron file');
  runsSilentlyAndOnce(exec[1]);
});

test("the follow-mode service's command follows the log, reloads on its ExecReload signal and stops cleanly on its KillSignal", async () => {
  const unit = contrib('systemd/monthly-visitors.service');
  const exec = /^ExecStart=\/usr\/local\/bin\/monthly-visitors (tail .*)$/m.exec(unit);
  const killSignal = /^KillSignal=(\w+)$/m.exec(unit)?.[1] as NodeJS.Signals | undefined;
  const reload = /^ExecReload=\/bin\/kill -(\w+) \$MAINPID$/m.exec(unit)?.[1];
  assert.ok(exec && killSignal && reload, 'the unit has ExecStart, KillSignal and ExecReload');
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
    if (waited > 30_000) assert.fail(`the service did not catch up: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(`SIG${reload}` as NodeJS.Signals);
  for (let waited = 0; !stderr.includes('re-read'); waited += 50) {
    if (waited > 30_000) assert.fail(`no reload: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(killSignal);
  assert.equal(await exited, 0, stderr);
  assert.deepEqual(storeContents(setup.data), expectedStore(setup));
});
