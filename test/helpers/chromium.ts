/**
 * Debian's Chromium, headless, for tests that render our HTML: no network, no first-run work, a
 * throw-away profile. `chromiumSkip` says why such a test cannot run here.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';

export const chromiumSkip: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)`;

function runChromium(args: string[]): { code: number; stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'mv-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Renders a local HTML file into a PNG screenshot. */
export function screenshot(htmlFile: string, png: string, size = '1000,1200'): { code: number; stderr: string } {
  return runChromium([`--screenshot=${png}`, `--window-size=${size}`, pathToFileURL(htmlFile).href]);
}

/** The DOM Chromium built from a local HTML file, serialised. */
export function dumpDom(htmlFile: string, size?: string): { code: number; stdout: string; stderr: string } {
  return runChromium(['--dump-dom', ...(size === undefined ? [] : [`--window-size=${size}`]), pathToFileURL(htmlFile).href]);
}
