import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fixture, ROOT } from '../helpers/paths.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { tempDir } from '../helpers/tree.js';

/**
 * An operator installs the packed tarball on a server that has Node and npm but no C toolchain,
 * without the optional SQL drivers, and uses it from their home directory: everything but
 * `--storage sql` works, and that says in one line how to install the driver.
 *
 * The tarball is packed from the build `npm test` made (`--ignore-scripts`: no second build while
 * other test files run from dist/). It is installed into an empty prefix folder: npm 11 ignores
 * `--omit=optional` with `-g` (it installs `pg`, and tries to build better-sqlite3), so the
 * global form cannot show an install without the drivers.
 */

const P1 = fixture('prosody-0.12-p1');
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python'];

function which(cmd: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** A PATH with node and npm and nothing else (npm's script is `#!/usr/bin/env node`). */
function nodeOnlyPath(): string {
  const bin = join(tempDir('mv-path-'), 'bin');
  mkdirSync(bin);
  const npm = which('npm', process.env.PATH ?? '');
  assert.ok(npm, 'npm is on PATH');
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(npm, join(bin, 'npm'));
  return bin;
}

/**
 * How npm reaches the registry from this machine: the user's npmrc (a `cafile`, a registry mirror)
 * and the CA and proxy variables. The fake HOME would hide the npmrc, and without them npm retries
 * a registry behind a TLS-inspecting proxy for minutes (SELF_SIGNED_CERT_IN_CHAIN).
 */
function registryAccess(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const npmrc = join(process.env.HOME ?? '/nonexistent', '.npmrc');
  if (existsSync(npmrc)) env.npm_config_userconfig = npmrc;
  for (const name of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

function run(cmd: string, args: string[], opts: { cwd: string; path: string; home: string }): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd: opts.cwd,
    encoding: 'utf8',
    // Only what an operator's shell would have: no npm_* of the test runner, no NODE_OPTIONS; but
    // this machine's way to the registry (its npmrc, CA file, proxy), which the operator has too.
    env: { ...registryAccess(), PATH: opts.path, HOME: opts.home, TZ: 'UTC', NO_COLOR: '1', LANG: 'C.UTF-8', npm_config_cache: join(process.env.HOME ?? opts.home, '.npm') },
    maxBuffer: 64 * 1024 * 1024,
  });
}

test('the packed tarball installs with --omit=optional and no compiler, and runs help, backfill, report and tail --once', () => {
  assert.ok(existsSync(join(ROOT, 'dist/bundle/monthly-visitors.js')), 'built first (npm test builds)');
  const work = tempDir('mv-install-');
  const home = join(work, 'home');
  mkdirSync(home);
  const path = nodeOnlyPath();
  for (const c of COMPILERS) assert.equal(which(c, path), null, `${c} is not on the install PATH`);

  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = join(work, pack.stdout.trim().split('\n').at(-1)!);

  const prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const install = run('npm', ['install', '--prefix', prefix, '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: home, path, home });
  assert.equal(install.status, 0, install.stderr);
  assert.doesNotMatch(install.stderr, /install script|gyp|prebuild/i, 'no install script of ours or of a driver ran');
  const pkg = join(prefix, 'node_modules/monthly-visitors');
  assert.deepEqual(readdirSync(join(prefix, 'node_modules')).filter((n) => n !== '.bin' && !n.startsWith('.package-lock')), ['monthly-visitors'], 'nothing installed beside the bundle');
  assert.ok(!existsSync(join(pkg, 'node_modules')), 'no dependencies of its own');
  assert.deepEqual(readdirSync(pkg).sort(), ['LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
  assert.deepEqual(readdirSync(join(pkg, 'dist')), ['bundle'], 'the bundle, no dist/src');
  assert.deepEqual(readdirSync(join(pkg, 'dist/bundle')).sort(), ['monthly-visitors.js', 'pg-worker.js', 'range-worker.js', 'stream-worker.js'], 'no source maps');
  for (const js of ['monthly-visitors.js', 'pg-worker.js', 'range-worker.js', 'stream-worker.js']) {
    assert.doesNotMatch(readFileSync(join(pkg, 'dist/bundle', js), 'utf8'), /sourceMappingURL/, `${js} points at no map it does not ship`);
  }
  assert.match(readFileSync(join(pkg, 'LICENSE'), 'utf8'), /^MIT License/);
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies?: object; scripts?: Record<string, string> };
  assert.equal(manifest.dependencies, undefined, 'no runtime dependency: the bundle holds them');
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts?.[hook], undefined, `no ${hook} script runs at install`);

  // From the operator's home, with the installed command on PATH.
  const userPath = `${join(prefix, 'node_modules/.bin')}${delimiter}${path}`;
  const mv = (...args: string[]) => run('monthly-visitors', args, { cwd: home, path: userPath, home });
  const help = mv('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: monthly-visitors/);
  for (const command of ['backfill', 'tail', 'events', 'check', 'report', 'prune', 'migrate']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));

  copyFileSync(join(P1, 'prosody.debug.log'), join(home, 'prosody.log'));
  copyFileSync(join(P1, 'test-GeoIP2-City.mmdb'), join(home, 'City.mmdb'));
  const counting = ['--mmdb', 'City.mmdb', ...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'];
  const backfill = mv('backfill', '-q', '--data-dir', 'data', ...counting, 'prosody.log');
  assert.equal(backfill.status, 0, backfill.stderr);
  // What the real module wrote for this log, both read by a real Lua VM.
  assert.deepEqual(readStoreWithLua(join(home, 'data')), readStoreWithLua(join(P1, 'data')));

  const report = mv('report', '--data-dir', 'data', '--format', 'json');
  assert.equal(report.status, 0, report.stderr);
  const hosts = (JSON.parse(report.stdout) as { hosts: Array<{ host: string }> }).hosts.map((h) => h.host).sort();
  assert.deepEqual(hosts, ['chat.example.org', 'example.com']);

  mkdirSync(join(home, 'tailed')); // a data dir as Prosody has it (a missing one is created with a warning)
  const tail = mv('tail', '--once', '-q', '--data-dir', 'tailed', ...counting, 'prosody.log');
  assert.equal(tail.status, 0, tail.stderr);
  assert.equal(tail.stdout + tail.stderr, '');
  assert.deepEqual(readStoreWithLua(join(home, 'tailed')), readStoreWithLua(join(P1, 'data')));

  for (const driver of ['sqlite3', 'postgresql']) {
    const sql = mv('backfill', '--storage', 'sql', '--sql-driver', driver, '--sql-database', 'stats.sqlite', ...counting, 'prosody.log');
    assert.equal(sql.status, 2, `${driver}: ${sql.stderr}`);
    const pkgName = driver === 'sqlite3' ? 'better-sqlite3' : 'pg';
    const lines = sql.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, sql.stderr);
    const expected = `monthly-visitors: --storage sql needs the optional package ${pkgName}, which is not installed; install it with: cd ${prefix} && npm install ${pkgName}@`;
    assert.equal(lines[0]!.slice(0, expected.length), expected);
    assert.match(lines[0]!.slice(expected.length), /^\^\d+\.\d+\.\d+$/, 'the range package.json names');
    assert.ok(!existsSync(join(home, 'stats.sqlite')), 'nothing created');
  }
});
