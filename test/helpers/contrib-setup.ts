import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, ROOT } from './paths.js';
import { runCli } from './run-cli.js';
import { storeContents } from './tail-scenario.js';
import { tempDir } from './tree.js';

/** What contrib/ installs, and an operator's machine to run it on: tests put their paths in for Debian's. */

/** A file of contrib/, as shipped. */
export const contrib = (path: string) => readFileSync(join(ROOT, 'contrib', path), 'utf8');

const P1 = fixture('prosody-0.12-p1');

/** A Prosody config like an operator's: data dir, a debug log file sink, the module's patterns. */
export function operatorSetup(): { dir: string; config: string; data: string; log: string } {
  const dir = tempDir();
  const data = join(dir, 'data');
  mkdirSync(data); // Prosody's data dir exists (a missing one would be created, with a warning cron would mail)
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

export function substitute(command: string, setup: { config: string }): string[] {
  return command
    .replace('/etc/prosody/prosody.cfg.lua', setup.config)
    .replace('/usr/share/GeoIP/GeoLite2-City.mmdb', join(P1, 'test-GeoIP2-City.mmdb'))
    .split(/\s+/)
    .filter((w) => w !== '');
}

export function expectedStore(setup: { data: string; log: string }): Map<string, string> {
  const data = join(tempDir(), 'data');
  const r = runCli(
    ['backfill', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), '--client-pattern', '^Gajim=DESKTOP', '--client-pattern', '^Conversations%..*=ANDROID', setup.log],
    { env: { TZ: 'UTC', MONTHLY_VISITORS_PROSODY_CONFIG: '' } },
  );
  assert.equal(r.code, 0, r.stderr);
  return storeContents(data);
}

