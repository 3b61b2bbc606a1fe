import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What this package's own package.json says, as far as the program needs it. */
export interface PackageInfo {
  /** The folder holding package.json (the clone, or the installed package). */
  readonly root: string;
  readonly version: string;
  readonly optionalDependencies: Readonly<Record<string, string>>;
}

let found: PackageInfo | null | undefined;

/**
 * Our package.json, found upwards from this module: the program runs from dist/src/… (tests) or
 * from the bundle in dist/bundle (bin/, an installed tarball). Null when it is nowhere above.
 */
export function packageInfo(): PackageInfo | null {
  if (found !== undefined) return found;
  found = null;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; optionalDependencies?: Record<string, string> };
      if (pkg.name === 'monthly-visitors') {
        found = { root: dir, version: pkg.version ?? 'unknown', optionalDependencies: pkg.optionalDependencies ?? {} };
        break;
      }
    } catch {
      // not here: look one folder up
    }
    if (dirname(dir) === dir) break;
  }
  return found;
}

/**
 * The one command that installs an optional package where this program will find it:
 * - installed globally (`<prefix>/lib/node_modules/monthly-visitors`): `npm install -g --prefix
 *   <prefix> <pkg>`, which lands next to it in the global node_modules that resolution reaches
 *   (the prefix is said: the package may have been installed under another one than npm's default);
 * - installed as a project's dependency (`<project>/node_modules/monthly-visitors`): `npm install <pkg>`
 *   in that project;
 * - a clone: the optional dependencies of its own lock file.
 */
export function installCommand(pkg: string): string {
  const info = packageInfo();
  const spec = info?.optionalDependencies[pkg] ? `${pkg}@${info.optionalDependencies[pkg]}` : pkg;
  if (info === null) return `npm install ${spec}`;
  const parent = dirname(info.root);
  if (basename(parent) !== 'node_modules') return `cd ${shellWord(info.root)} && npm install --include=optional`;
  const owner = dirname(parent);
  let isProject = false;
  try {
    readFileSync(join(owner, 'package.json'));
    isProject = true;
  } catch {
    // no package.json above node_modules: npm's global folder
  }
  if (isProject) return `cd ${shellWord(owner)} && npm install ${spec}`;
  // Unix puts the global folder in <prefix>/lib/node_modules, Windows in <prefix>/node_modules.
  const prefix = basename(owner) === 'lib' ? dirname(owner) : owner;
  return `npm install -g --prefix ${shellWord(prefix)} ${spec}`;
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
