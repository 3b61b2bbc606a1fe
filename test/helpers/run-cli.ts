import { spawnSync } from 'node:child_process';
import { BIN } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/monthly-visitors` as an operator would, without a terminal. */
export function runCli(args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: options.input,
    // No auto-detected /etc/prosody/prosody.cfg.lua of the machine running the tests.
    env: { ...process.env, NO_COLOR: '1', MONTHLY_VISITORS_PROSODY_CONFIG: '', ...options.env },
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
