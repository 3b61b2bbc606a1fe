/**
 * Named crash points, for tests: `MONTHLY_VISITORS_CRASH_AT=<point>:<n>` makes the process SIGKILL
 * itself the n-th time it reaches `<point>` (n defaults to 1), `<point>:<n>:SIGTERM` (or SIGINT,
 * SIGHUP) sends itself that signal there instead and carries on, as if an operator's signal had
 * arrived at that very moment. This is how the tests stop a run at an exact place of the work
 * rather than after a measured delay, which depends on the machine. `count` instead prints, when
 * the process exits, how often each point was reached (`crash points: file-applied=12 …`), so a
 * test knows which occurrences exist.
 *
 * The variable is read once, when this module loads; without it `crashPoint` is one comparison.
 * It is for tests only: nothing else sets it, and no option exposes it.
 *
 * The points, in the order a run meets them (see docs/crash-safety.md):
 * - `lock-wait`: a run with --wait found the data dir locked and is about to wait (a test stops it
 *   there with SIGSTOP to see that a waiting run writes nothing);
 * - reading: `log-chunk-read` (a chunk of a log was read and parsed, its logins counted or about
 *   to be), `tail-batch-committed` (tail committed a batch of its progress);
 * - a commit of the internal store (storage/journal.ts): `journal-written`, `journal-synced`,
 *   `temp-written` (a `file~` is written, not yet renamed), `file-applied` (each file renamed or
 *   removed; a tail checkpoint is the last file of its batch), `files-synced`, `journal-removed`;
 * - a commit to SQL storage: `sql-rows-written` (inside the transaction), `sql-committed`.
 */

export const CRASH_POINTS = [
  'lock-wait',
  'log-chunk-read',
  'tail-batch-committed',
  'journal-written',
  'journal-synced',
  'temp-written',
  'file-applied',
  'files-synced',
  'journal-removed',
  'sql-rows-written',
  'sql-committed',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export const CRASH_AT_VARIABLE = 'MONTHLY_VISITORS_CRASH_AT';

const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGSTOP'] as const;

interface Armed {
  point: string;
  occurrence: number;
  signal: (typeof SIGNALS)[number];
}

function parse(spec: string | undefined): Armed | 'count' | undefined {
  if (spec === undefined || spec === '') return undefined;
  if (spec === 'count') return 'count';
  const [point, n = '1', signal = 'SIGKILL'] = spec.split(':');
  const occurrence = Number(n);
  if (!(CRASH_POINTS as readonly string[]).includes(point!) || !Number.isSafeInteger(occurrence) || occurrence < 1 || !(SIGNALS as readonly string[]).includes(signal)) {
    // A test that names a point that does not exist must not pass because nothing crashed.
    process.stderr.write(`monthly-visitors: ${CRASH_AT_VARIABLE}=${spec}: expected <point>:<n>[:SIGTERM|SIGINT|SIGHUP|SIGSTOP], point one of ${CRASH_POINTS.join(', ')}\n`);
    process.exit(2);
  }
  return { point: point!, occurrence, signal: signal as Armed['signal'] };
}

const armed = parse(process.env[CRASH_AT_VARIABLE]);
let reached = 0;
const counts = new Map<string, number>();
if (armed === 'count') {
  process.on('exit', () => process.stderr.write(`crash points: ${[...counts].map(([p, n]) => `${p}=${n}`).join(' ')}\n`));
}

/** Marks a named point of the work (see the module comment); does nothing unless a test armed it. */
export function crashPoint(point: CrashPoint): void {
  if (armed === undefined) return;
  if (armed === 'count') {
    counts.set(point, (counts.get(point) ?? 0) + 1);
    return;
  }
  if (armed.point !== point || ++reached !== armed.occurrence) return;
  process.kill(process.pid, armed.signal);
}
