import path from 'node:path';
import type { LoginEvent } from '../core/login-event.js';
import type { Outcome } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import type { GeoIpDatabase } from '../geoip/geoip-database.js';
import { formatByName } from '../sources/formats.js';
import { readStateFile, serializeState, type InputCheckpoint, type TailState } from '../sources/tail/checkpoint.js';
import { TailReader, type TailReaderStats } from '../sources/tail/tail-reader.js';
import { ChangeWatcher } from '../sources/tail/change-watcher.js';
import { createTally, emptyOutcomes, patternGaveUp, type OutcomeCounts } from './count-logins.js';
import type { StatsStore } from './stats-store.js';
import type { StoreReport } from '../cli/summary.js';
import type { Notices } from './login-source.js';
import { crashPoint } from '../crash-points.js';

export interface TailOptions {
  /** Stop at the end of the input (cron) instead of following. */
  readonly once: boolean;
  readonly statePath: string;
  readonly fromEnd: boolean;
  /** Commit a batch after this long with uncommitted progress... */
  readonly commitIntervalMs: number;
  /** ...or after this many lines. */
  readonly commitLines: number;
  /** How often a follower looks at its logs when no watch event came. */
  readonly pollMs: number;
}

export interface TailControl {
  /** Set by SIGTERM/SIGINT: finish the batch, commit, return. */
  stopping: boolean;
  /** Set by SIGHUP: the run re-reads the GeoIP database and re-plans its inputs. */
  reload: boolean;
  /** Wakes a follower that is waiting (a signal arrived). */
  wake: () => void;
}

export interface TailInputReport extends TailReaderStats {
  readonly label: string;
  readonly format: string | null;
}

export interface TailResult {
  readonly outcomes: OutcomeCounts;
  readonly inputs: TailInputReport[];
  readonly store: StoreReport;
  readonly commits: number;
}

export interface TailDeps {
  readonly config: RunConfig;
  readonly store: StatsStore;
  readonly notices: Notices & { warn(message: string): void };
  /** The GeoIP database now; `reloadGeoip` replaces it (SIGHUP). */
  geoip: GeoIpDatabase | null;
  readonly reloadGeoip: () => GeoIpDatabase | null;
}

/**
 * `tail` (SPEC §6): reads what each log gained since the checkpoint, counts it, and commits the
 * store changes together with the new checkpoint as one crash-safe batch — every commit interval,
 * every N lines, and at the end. With `once` it stops at the end of the input; otherwise it
 * follows the logs until told to stop.
 */
export async function runTail(logs: readonly string[], deps: TailDeps, options: TailOptions, control: TailControl): Promise<TailResult> {
  const { config, store, notices } = deps;
  const state = readStateFile(options.statePath);
  const readers = [...new Set(logs.map((l) => path.resolve(l)))].map(
    (log) =>
      new TailReader(log, state.inputs[log], {
        format: config.format,
        formatNamed: (name) => (config.format?.name === name ? config.format : formatByName(name)),
        time: { zone: config.zone, monthZone: config.monthZone, firstYear: config.firstYear },
        notice: (key, message) => notices.notice(key, message),
        warn: (message) => notices.warn(message),
        fromEnd: options.fromEnd,
      }),
  );
  const { tally, policies } = createTally(store.view, config, () => deps.geoip);
  const outcomes: OutcomeCounts = emptyOutcomes();
  const written = { written: 0, unchanged: 0, deleted: 0, unit: store.unit };
  let committedState = serializeState(state);
  let commits = 0;
  let linesAtCommit = 0;
  let lastCommit = Date.now();

  const lines = () => readers.reduce((n, r) => n + r.stats.lines, 0);
  const commit = () => {
    const next: TailState = { inputs: { ...state.inputs } };
    for (const r of readers) {
      const cp: InputCheckpoint | null = r.checkpoint();
      if (cp !== null) next.inputs[r.path] = cp;
    }
    const stateBytes = serializeState(next);
    const changes = tally.takeChanges();
    const stateChanged = !stateBytes.equals(committedState);
    if (changes.hosts.size === 0 && changes.users.size === 0 && !stateChanged) return;
    const report = store.commit(changes, stateChanged ? [{ path: options.statePath, content: stateBytes }] : []);
    if (!config.dryRun) committedState = stateBytes;
    Object.assign(state, next);
    written.written += report.written;
    written.unchanged += report.unchanged;
    written.deleted += report.deleted;
    commits++;
    linesAtCommit = lines();
    lastCommit = Date.now();
    crashPoint('tail-batch-committed');
  };
  const commitDue = () => lines() - linesAtCommit >= options.commitLines || Date.now() - lastCommit >= options.commitIntervalMs;
  const count = (events: LoginEvent[]) => {
    for (const e of events) outcomes[tally.record(e) as Outcome]++;
  };

  const watchers = options.once ? [] : readers.map((r) => new ChangeWatcher(r.path, () => control.wake()));
  try {
    for (;;) {
      if (control.reload) {
        control.reload = false;
        deps.geoip = deps.reloadGeoip();
      }
      await readRound(readers, control, count, () => {
        if (commitDue()) commit();
      });
      if (options.once || control.stopping) break;
      if (Date.now() - lastCommit >= options.commitIntervalMs) commit();
      for (const w of watchers) w.ensure();
      await waitFor(Math.min(options.pollMs, Math.max(10, options.commitIntervalMs - (Date.now() - lastCommit))), control);
      if (control.stopping) break;
    }
    commit();
  } finally {
    for (const w of watchers) w.close();
  }
  outcomes.patternGaveUp = patternGaveUp(policies);
  return {
    outcomes,
    commits,
    store: written,
    inputs: readers.map((r) => ({ label: r.path, format: r.checkpoint()?.format ?? null, ...r.stats })),
  };
}

/**
 * Reads every log to its current end, a chunk from each in turn; each round's logins are counted
 * in time order, so logs that share users are merged as `backfill` merges them (to within a chunk).
 */
async function readRound(
  readers: readonly TailReader[],
  control: TailControl,
  count: (events: LoginEvent[]) => void,
  afterRound: () => void,
): Promise<void> {
  const polls = readers.map((r) => r.poll(() => control.stopping));
  let live = polls.map((_, i) => i);
  while (live.length > 0) {
    const round: LoginEvent[] = [];
    const next: number[] = [];
    for (const i of live) {
      const r = await polls[i].next();
      if (r.done) continue;
      for (const e of r.value) round.push(e);
      next.push(i);
    }
    live = next;
    if (readers.length > 1) round.sort((a, b) => a.time - b.time); // stable: one log's order is kept
    count(round);
    crashPoint('log-chunk-read');
    afterRound();
    if (control.stopping) {
      for (const i of live) await polls[i].return(undefined);
      return;
    }
  }
}

function waitFor(ms: number, control: TailControl): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const previous = control.wake;
    function done() {
      clearTimeout(timer);
      control.wake = previous;
      resolve();
    }
    control.wake = done;
  });
}
