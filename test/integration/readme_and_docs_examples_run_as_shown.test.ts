import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/tree.js';
import { consoleBlocks, outputMatches, type ConsoleCommand } from '../helpers/console-examples.js';

/**
 * Every console example of the README and of docs/*.md, run as a reader would paste it: from the
 * repository's root, one shell per page (so a page's examples may build on each other), with its
 * output compared to the output shown. `/tmp/` in a page is a fresh scratch folder of this test,
 * and is written back as `/tmp/` in what the commands print.
 */

const PAGES = ['README.md', ...(existsSync(join(ROOT, 'docs')) ? readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`) : [])];

const MARK = '@@monthly-visitors-example@@';

function runPage(page: string): { command: ConsoleCommand; output: string; code: number }[] {
  const blocks = consoleBlocks(readFileSync(join(ROOT, page), 'utf8'));
  const scratch = tempDir('mv-examples-');
  const toScratch = (s: string) => s.replaceAll('/tmp/', `${scratch}/`);
  const commands: ConsoleCommand[] = [];
  let script = 'set +e\n';
  for (const block of blocks) {
    for (const setup of block.setup) script += `{ ${toScratch(setup)}\n} >/dev/null 2>&1\n`;
    for (const command of block.commands) {
      script += `printf '%s\\n' '${MARK}'\n{ ${toScratch(command.command)}\n} 2>&1\nprintf '\\n%s %s\\n' '${MARK}exit' "$?"\n`;
      commands.push(command);
    }
  }
  const scriptFile = join(scratch, 'examples.sh');
  writeFileSync(scriptFile, script);
  const r = spawnSync('bash', [scriptFile], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`,
      TZ: 'UTC',
      NO_COLOR: '1',
      COLUMNS: '80',
      LC_ALL: 'C.UTF-8',
      // Not the machine's own /etc/prosody/prosody.cfg.lua.
      MONTHLY_VISITORS_PROSODY_CONFIG: '',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  const pieces = r.stdout.split(`${MARK}\n`).slice(1);
  assert.equal(pieces.length, commands.length, `${page}: ${pieces.length} outputs for ${commands.length} commands`);
  return pieces.map((piece, i) => {
    const end = piece.lastIndexOf(`\n${MARK}exit `);
    // A terminal shows CRLF (the CSV format's line end) as a line break.
    const output = piece.slice(0, end).replaceAll(`${scratch}/`, '/tmp/').replaceAll('\r\n', '\n');
    const code = Number(piece.slice(end + `\n${MARK}exit `.length).trim());
    return { command: commands[i]!, output, code };
  });
}

for (const page of PAGES) {
  test(`the console examples of ${page} print what they show`, () => {
    const failures: string[] = [];
    for (const { command, output, code } of runPage(page)) {
      const where = `${page}:${command.line}: $ ${command.command.split('\n')[0]}`;
      if (!outputMatches(command.expected, output)) {
        failures.push(`${where}\n--- shown ---\n${command.expected}\n--- printed ---\n${output}`);
      }
      // An example that shows an error line is one that fails; every other one succeeds.
      const showsError = /^monthly-visitors: /m.test(command.expected);
      if (showsError && code === 0) failures.push(`${where}: shows an error but exited 0`);
      if (!showsError && code !== 0) failures.push(`${where}: exited ${code}\n${output}`);
    }
    assert.deepEqual(failures, [], failures.join('\n\n'));
  });
}

test('the console examples are found: pages with none would test nothing', () => {
  const count = (page: string) => consoleBlocks(readFileSync(join(ROOT, page), 'utf8')).reduce((n, b) => n + b.commands.length, 0);
  assert.ok(count('README.md') >= 3, `only ${count('README.md')} commands found in README.md`);
  const all = PAGES.reduce((n, page) => n + count(page), 0);
  assert.ok(all >= 30, `only ${all} commands found in README.md and docs/`);
});
