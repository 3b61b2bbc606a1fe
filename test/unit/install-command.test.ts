import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/tree.js';

/**
 * The command a missing SQL driver's message names depends on where this copy is installed:
 * globally (`<prefix>/lib/node_modules/monthly-visitors`), as a project's dependency, or a clone.
 * Each layout is built for real, with the compiled package-info module copied in, and asked.
 */

const PKG = JSON.stringify({ name: 'monthly-visitors', version: '9.9.9', type: 'module', optionalDependencies: { 'better-sqlite3': '^12.11.1', pg: '^8.23.1' } });

function commandIn(pkgRoot: string, driver: string): string {
  mkdirSync(join(pkgRoot, 'dist/bundle'), { recursive: true });
  writeFileSync(join(pkgRoot, 'package.json'), PKG);
  // The module finds package.json upwards from itself, as from the bundle.
  cpSync(join(ROOT, 'dist/src/package-info.js'), join(pkgRoot, 'dist/bundle/package-info.js'));
  const url = pathToFileURL(join(pkgRoot, 'dist/bundle/package-info.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); process.stdout.write(m.installCommand(${JSON.stringify(driver)}));`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('installed globally: npm install -g into the same prefix, with the range package.json names', () => {
  const prefix = join(tempDir(), 'usr-local');
  assert.equal(commandIn(join(prefix, 'lib/node_modules/monthly-visitors'), 'better-sqlite3'), `npm install -g --prefix ${prefix} better-sqlite3@^12.11.1`);
});

test("installed as a project's dependency: npm install in that project", () => {
  const project = join(tempDir(), 'ops');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{}');
  assert.equal(commandIn(join(project, 'node_modules/monthly-visitors'), 'pg'), `cd ${project} && npm install pg@^8.23.1`);
});

test("a clone: the optional dependencies of its own lock file; a path with a space is quoted", () => {
  const clone = join(tempDir(), 'my clone');
  assert.equal(commandIn(clone, 'pg'), `cd '${clone}' && npm install --include=optional`);
});
