import path from 'node:path';
import type { LoginEvent } from '../core/login-event.js';
import type { Outcome } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import type { GeoIpDatabase } from '../geoip/geoip-database.js';
import { formatByName } from '../sources/formats.js';
import { readStateFile, serializeState, type InputCheckpoint, type TailState } from '../sources/tail/checkpoint.js';
import { TailReader, type TailReaderStats } from '../sources/tail/tail-reader.js';
import { ChangeWatcher } from '../sources/tail/change-watcher.js';
import { requireKnownOrPresent } from '../sources/tail/log-presence.js';
import { createTally, emptyOutcomes, patternGaveUp, type OutcomeCounts } from './count-logins.js';
import type { StatsStore } from './stats-store.js';
import type { StoreReport } from '../cli/summary.js';
import type { Notices, ReadProgress } from './login-source.js';
import { ClusterBarrier, type ClusterOptions, type LogProgress } from './cluster-barrier.js';
import { crashPoint } from '../crash-points.js';
import { jobsOf, MIN_PARALLEL_JOBS } from '../config/jobs.js';
import { WorkerPool } from '../sources/parallel/worker-pool.js';
import type { TailWorkers } from '../sources/tail/worker-reads.js';
import { testRanges } from './login-source.js';

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
  /** A shared (SQL) store: this node's name and the barrier's settings (cluster-barrier.ts). */
  readonly cluster?: ClusterOptions;
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
  /** Cluster: where the run stopped at the month barrier (cron), and late logins by month. */
  readonly cluster?: TailClusterReport;
}

export interface TailClusterReport {
  readonly node: string;
  /** The month whose first login this node waits at, and the nodes it waits for; null: not held. */
  readonly held: { readonly month: string; readonly waitingFor: readonly string[] } | null;
  readonly lateByMonth: Record<string, number>;
}

export interface TailDeps {
  readonly config: RunConfig;
  readonly store: StatsStore;
  readonly notices: Notices & { warn(message: string): void };
  /** The GeoIP database now; `reloadGeoip` replaces it (SIGHUP). */
  geoip: GeoIpDatabase | null;
  readonly reloadGeoip: () => GeoIpDatabase | null;
  /** Told what the run reads (a progress display; `tail --once` only). */
  readonly progress?: ReadProgress;
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
  requireKnownOrPresent(logs.map((l) => path.resolve(l)), state);
  const barrier = store.cluster !== undefined && options.cluster !== undefined ? new ClusterBarrier(store.cluster, options.cluster, (m) => notices.warn(m)) : null;
  barrier?.refresh();
  const registration = config.dryRun ? undefined : barrier?.registration();
  if (registration !== undefined) {
    store.commit({ hosts: new Map(), users: new Map() }, [], registration);
    barrier!.committed(registration);
  }
  // `--jobs`: a large catch-up is read by worker threads, a pool per round (a follower keeps none idle).
  const jobs = jobsOf(config);
  let pool: WorkerPool | null = null;
  const test = testRanges();
  const parallel = jobs >= MIN_PARALLEL_JOBS || (jobs > 1 && test.force === true);
  const workers: TailWorkers = {
    pool: () => (parallel ? (pool ??= new WorkerPool(jobs)) : null),
    options: test,
    used: (log) => notices.verbose(`${log}: read by up to ${jobs} worker threads`),
  };
  const endWorkers = () => {
    pool?.close();
    pool = null;
  };
  const readerFor = (log: string) =>
      new TailReader(log, state.inputs[log], {
        format: config.format,
        formatNamed: (name) => (config.format?.name === name ? config.format : formatByName(name)),
        time: { zone: config.zone, monthZone: config.monthZone, firstYear: config.firstYear },
        notice: (key, message) => notices.notice(key, message),
        warn: (message) => notices.warn(message),
        fromEnd: options.fromEnd,
        hold: barrier?.hold,
        progress: deps.progress,
        workers,
      });
  const readers = [...new Set(logs.map((l) => path.resolve(l)))].map(readerFor);
  /** Stats of readers replaced after a held login (follow mode), by path. */
  const pastStats = new Map<string, TailReaderStats>();
  const lateByMonth: Record<string, number> = {};
  const { tally, policies } = createTally(store.view, config, () => deps.geoip);
  const outcomes: OutcomeCounts = emptyOutcomes();
  const written = { written: 0, unchanged: 0, deleted: 0, unit: store.unit };
  let committedState = serializeState(state);
  let commits = 0;
  let linesAtCommit = 0;
  let lastCommit = Date.now();

  const lines = () => readers.reduce((n, r) => n + r.stats.lines + (pastStats.get(r.path)?.lines ?? 0), 0);
  /** `atEnd`: every log was read to its end just now (its watermark may follow the clock). */
  const commit = (atEnd = false) => {
    const next: TailState = { inputs: { ...state.inputs } };
    for (const r of readers) {
      const cp: InputCheckpoint | null = r.checkpoint();
      if (cp !== null) next.inputs[r.path] = cp;
    }
    const stateBytes = serializeState(next);
    const changes = tally.takeChanges();
    const stateChanged = !stateBytes.equals(committedState);
    const hasChanges = changes.hosts.size > 0 || changes.users.size > 0 || stateChanged;
    const node = config.dryRun ? undefined : barrier?.next(readers.map((r) => progressOf(r, atEnd)), hasChanges);
    if (!hasChanges && node === undefined) return;
    const report = store.commit(changes, stateChanged ? [{ path: options.statePath, content: stateBytes }] : [], node);
    if (!config.dryRun) committedState = stateBytes;
    if (node !== undefined) barrier!.committed(node);
    barrier?.refresh(); // the others moved on meanwhile, perhaps
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
    for (const e of events) {
      const outcome = tally.record(e) as Outcome;
      outcomes[outcome]++;
      if (outcome === 'late') lateByMonth[e.month] = (lateByMonth[e.month] ?? 0) + 1;
    }
  };

  const watchers = options.once ? [] : readers.map((r) => new ChangeWatcher(r.path, () => control.wake()));
  try {
    for (;;) {
      if (control.reload) {
        control.reload = false;
        deps.geoip = deps.reloadGeoip();
      }
      if (barrier !== null && readers.some((r) => r.held !== null)) resumeOpened(readers, barrier, commit, readerFor, pastStats);
      await readRound(readers, control, count, () => {
        if (commitDue()) commit();
      });
      endWorkers();
      if (options.once || control.stopping) break;
      if (Date.now() - lastCommit >= options.commitIntervalMs) commit(true);
      for (const w of watchers) w.ensure();
      await waitFor(Math.min(options.pollMs, Math.max(10, options.commitIntervalMs - (Date.now() - lastCommit))), control);
      if (control.stopping) break;
    }
    commit(!control.stopping);
  } finally {
    endWorkers();
    for (const w of watchers) w.close();
  }
  outcomes.patternGaveUp = patternGaveUp(policies);
  return {
    outcomes,
    commits,
    store: written,
    inputs: readers.map((r) => ({ label: r.path, format: r.checkpoint()?.format ?? null, ...addStats(pastStats.get(r.path), r.stats) })),
    cluster: barrier === null ? undefined : clusterReport(barrier, readers, lateByMonth),
  };
}

/** What a log contributes to the node's watermark now. */
function progressOf(r: TailReader, atEnd: boolean): LogProgress {
  const last = r.checkpoint()?.lastTime;
  return { held: r.held, atEnd, lastLogin: last == null ? null : Date.parse(last) };
}

/**
 * Following: a log held at the barrier whose month has opened since is read on by a new reader
 * from the committed checkpoint (before the held login), as the next cron run would.
 */
function resumeOpened(readers: TailReader[], barrier: ClusterBarrier, commit: () => void, readerFor: (log: string) => TailReader, pastStats: Map<string, TailReaderStats>): void {
  barrier.refresh();
  if (!readers.some((r) => r.held !== null && !barrier.holdsMonth(r.held.month))) return;
  commit(); // the held checkpoints are in the state the new readers start from
  readers.forEach((r, i) => {
    if (r.held === null || barrier.holdsMonth(r.held.month)) return;
    pastStats.set(r.path, addStats(pastStats.get(r.path), r.stats));
    readers[i] = readerFor(r.path);
  });
}

function addStats(a: TailReaderStats | undefined, b: TailReaderStats): TailReaderStats {
  if (a === undefined) return { ...b };
  const sum = { ...a };
  for (const k of Object.keys(b) as Array<keyof TailReaderStats>) sum[k] += b[k];
  return sum;
}

function clusterReport(barrier: ClusterBarrier, readers: readonly TailReader[], lateByMonth: Record<string, number>): TailClusterReport {
  const months = readers.flatMap((r) => (r.held === null ? [] : [r.held.month])).sort();
  const held = months.length === 0 ? null : { month: months[0]!, waitingFor: barrier.state.holdingNodes };
  // Alone, a late login is what it always was (an old log read again), not a closed month.
  return { node: barrier.options.nodeName, held, lateByMonth: barrier.others ? lateByMonth : {} };
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
