import { readFileSync } from 'node:fs';
import { StateFileError } from '../../errors.js';
import { describeFsError } from '../log-input.js';
import type { FileIdentity } from './file-identity.js';

/**
 * Where `tail` stopped in one input (SPEC §6). No user data: file identity, byte offsets, the
 * format's name and the time of the last line read.
 */
export interface InputCheckpoint {
  /** The file read last (the live log, unless it was rotated away since). */
  readonly file: FileIdentity;
  /** End of the last line of `file` whose logins are committed: they are not counted again. */
  readonly processedTo: number;
  /**
   * Where the next run starts reading: before the oldest session still waiting for its login,
   * in `resumeFile` when that session began in a piece rotated away since (all of it processed),
   * else in `file`.
   */
  readonly resumeAt: number;
  readonly resumeFile?: FileIdentity;
  /**
   * The format the input was read as (detection needs a file's first lines; a resumed read has
   * none). Null while the log had no complete line yet: the next run detects it.
   */
  readonly format: string | null;
  /** Local time of the last line with a login, ISO 8601, for operators reading the state file. */
  readonly lastTime: string | null;
  /**
   * When a run first found the log missing (ISO 8601, UTC), while it is missing: a rotation not
   * reopened yet is a note, a log missing for long a warning (log-presence.ts).
   */
  readonly missingSince?: string;
}

export interface TailState {
  /** Per input path as given (made absolute). */
  readonly inputs: Record<string, InputCheckpoint>;
}

const STATE_VERSION = 1;

export function serializeState(state: TailState): Buffer {
  const sorted = Object.fromEntries(Object.entries(state.inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(`${JSON.stringify({ version: STATE_VERSION, inputs: sorted }, null, 2)}\n`);
}

/** Reads a state file; a missing one is an empty state (the first run). */
export function readStateFile(path: string): TailState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { inputs: {} };
    throw new StateFileError(`${path}: cannot read the tail state: ${describeFsError(err)}`);
  }
  return parseState(path, text);
}

export function parseState(path: string, text: string): TailState {
  const bad = (why: string) =>
    new StateFileError(`${path}: not a monthly-visitors tail state (${why}); move it away to read the logs from their start`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!isObject(doc) || doc.version !== STATE_VERSION || !isObject(doc.inputs)) throw bad(`expected {"version": ${STATE_VERSION}, "inputs": {…}}`);
  const inputs: Record<string, InputCheckpoint> = {};
  for (const [input, cp] of Object.entries(doc.inputs)) {
    if (!isCheckpoint(cp)) throw bad(`the entry of ${JSON.stringify(input)} is malformed`);
    inputs[input] = cp;
  }
  return { inputs };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isIdentity(f: unknown): f is FileIdentity {
  return (
    isObject(f) &&
    isOffset(f.dev) &&
    isOffset(f.ino) &&
    typeof f.gzip === 'boolean' &&
    isOffset(f.fingerprintBytes) &&
    typeof f.fingerprint === 'string' &&
    /^[0-9a-f]{64}$/.test(f.fingerprint) &&
    (f.mtimeMs === undefined || (typeof f.mtimeMs === 'number' && Number.isFinite(f.mtimeMs) && f.mtimeMs >= 0))
  );
}

function isCheckpoint(v: unknown): v is InputCheckpoint {
  if (!isObject(v) || !isIdentity(v.file)) return false;
  return (
    (v.resumeFile === undefined || isIdentity(v.resumeFile)) &&
    isOffset(v.resumeAt) &&
    isOffset(v.processedTo) &&
    (v.resumeFile !== undefined || v.resumeAt <= v.processedTo) &&
    (v.format === null || typeof v.format === 'string') &&
    (v.lastTime === null || typeof v.lastTime === 'string') &&
    (v.missingSince === undefined || (typeof v.missingSince === 'string' && Number.isFinite(Date.parse(v.missingSince))))
  );
}
