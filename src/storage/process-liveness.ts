import fs from 'node:fs';
import os from 'node:os';
import { errnoOf } from './fs-util.js';

/**
 * Whether a lock holder still runs (Linux /proc where it exists): by pid, by boot, by the pid's
 * start time (a reused pid), by state (a zombie).
 */

function readTrimmed(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The boot id of this machine (Linux), to tell a lock from before a reboot. */
export function currentBootId(): string | undefined {
  return readTrimmed('/proc/sys/kernel/random/boot_id');
}

/**
 * A process's state letter and start time (clock ticks since boot) from /proc (Linux): the start
 * tells a reused pid, the state a dead process its parent has not reaped yet (a zombie, which
 * `kill(pid, 0)` still finds).
 */
export function processStat(pid: number): { state: string; start: string | undefined } | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid ..." — comm may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] }; // fields[0] is field 3, [19] field 22
}

/** Whether the holder described by `info` is certainly gone (only decidable on this host). */
export function holderIsGone(info: { pid: number; hostname: string; bootId?: string; pidStart?: string }): boolean {
  if (info.hostname !== os.hostname()) return false;
  const bootId = currentBootId();
  if (info.bootId !== undefined && bootId !== undefined && info.bootId !== bootId) return true;
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if (errnoOf(err) === 'ESRCH') return true;
    // EPERM: alive, but another user's
  }
  const stat = processStat(info.pid);
  if (stat !== undefined && (stat.state === 'Z' || stat.state === 'X')) return true;
  if (info.pidStart !== undefined && stat?.start !== undefined && stat.start !== info.pidStart) return true;
  return false;
}
