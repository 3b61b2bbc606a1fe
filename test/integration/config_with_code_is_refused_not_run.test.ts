import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { lua, writeConfigTree } from '../helpers/config-files.js';

// Each line would create the marker file if the config were run by Lua (os.execute, io.open…),
// or would run code some other way. The reader must refuse it, naming the file and line 3.
const ATTEMPTS = [
  'os.execute("touch MARKER")',
  'local f = io.open("MARKER", "w")',
  'io.open("MARKER", "w"):write("ran")',
  'require "MARKER"',
  'dofile "MARKER"',
  'local f = loadstring("os.execute(\'touch MARKER\')")',
  'load("os.execute(\'touch MARKER\')")()',
  'RunScript "MARKER.lua"',
  'Lua.os.execute("touch MARKER")',
  'mod_monthly_visitors_mmdb_path = os.execute("touch MARKER") and "x"',
  'local t = {}; t[os.execute("touch MARKER")] = 1',
  'local run = function() os.execute("touch MARKER") end',
];

test('a prosody.cfg.lua with code is refused with file and line, nothing runs and nothing is written', () => {
  for (const attempt of ATTEMPTS) {
    const dir = writeConfigTree({ 'logs/prosody.log': '' });
    const marker = join(dir, 'MARKER');
    const source = lua('data_path = "data"', 'log = "logs/prosody.log"', attempt.replaceAll('MARKER', marker));
    const cfg = join(writeConfigTree({ 'prosody.cfg.lua': source }), 'prosody.cfg.lua');
    for (const command of ['backfill', 'check', 'events']) {
      const r = runCli([command, '--prosody-config', cfg], { cwd: dir });
      assert.equal(r.code, 2, `${command}: ${attempt}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^monthly-visitors: ${cfg}:3: .* is not supported: monthly-visitors reads the config as data and never runs it\\n$`), attempt);
      assert.ok(!existsSync(marker), `${attempt}: the marker was created`);
      assert.deepEqual(readdirSync(dir), ['logs'], `${attempt}: something was written`);
    }
  }
});

test('our own config file in Lua form is read the same way', () => {
  const dir = writeConfigTree({});
  const marker = join(dir, 'MARKER');
  const cfg = join(writeConfigTree({ 'mv.lua': lua('data_path = "data"', '', `os.execute("touch ${marker}")`) }), 'mv.lua');
  const r = runCli(['check', '--config', cfg]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${cfg}:3: calling os\\.execute\\(…\\) is not supported`));
  assert.ok(!existsSync(marker));
});
