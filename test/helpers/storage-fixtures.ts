/**
 * Shared setup of the storage unit tests: the data dir Prosody 0.12.3 wrote, the compiled storage
 * modules (for scripts run in a child process) and scratch folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';
import { ROOT } from './paths.js';

/** The captured Prosody 0.12.3 install (`manifest.json`, `data/`); its files are read-only. */
export const PROSODY_FIXTURE = join(ROOT, 'fixtures/prosody-0.12-p1');
/** Its data dir. */
export const PROSODY_DATA = join(PROSODY_FIXTURE, 'data');

/** The compiled storage module `name` (`'lock'` → dist/src/storage/lock.js), to import in a child. */
export function storageModuleJs(name: string): string {
  return join(ROOT, 'dist/src/storage', `${name}.js`);
}

export const isRoot = process.geteuid?.() === 0;
/** An owner that is not ours, for the tests that run as root. */
export const OTHER_UID = 12345;
export const OTHER_GID = 12346;

/** Every user record file of the fixture data dir (host by host, in directory order). */
export function fixtureUserRecordFiles(): string[] {
  const files: string[] = [];
  for (const host of fs.readdirSync(PROSODY_DATA)) {
    const dir = join(PROSODY_DATA, host, 'monthly%2dvisitors');
    for (const name of fs.readdirSync(dir)) files.push(join(dir, name));
  }
  return files;
}

/** Every host record file of the fixture data dir (in directory order). */
export function fixtureHostRecordFiles(): string[] {
  return fs.readdirSync(PROSODY_DATA).map((host) => join(PROSODY_DATA, host, 'monthly%2dvisitors.dat'));
}

/**
 * A scratch folder for the calling test file, removed after it. It is mode 0755, so a child
 * running as another uid can reach its test folders. `freshDir()` makes a new empty folder in it.
 */
export function scratchDirs(prefix: string): { root: string; freshDir: () => string } {
  const root = fs.mkdtempSync(join(os.tmpdir(), prefix));
  fs.chmodSync(root, 0o755);
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = () => {
    const d = join(root, `t${n++}`);
    fs.mkdirSync(d);
    return d;
  };
  return { root, freshDir };
}

/**
 * Tests that run code as OTHER_UID need that user to read this checkout; a clone inside a private
 * folder (mkdtemp's 0700) does not allow it, and then those tests are skipped, saying why.
 */
export const otherUserSkip: string | false = (() => {
  if (!isRoot) return 'needs root to start a child as another uid';
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(storageModuleJs('prosody-file-store'))})`], {
    uid: OTHER_UID,
    gid: OTHER_GID,
  });
  return probe.status === 0 ? false : `uid ${OTHER_UID} cannot read this checkout (${ROOT})`;
})();
