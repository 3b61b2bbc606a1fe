/**
 * Named crash points, for tests: `MONTHLY_VISITORS_CRASH_AT=<point>:<n>` makes the process SIGKILL
 * itself the n-th time it reaches `<point>` (n defaults to 1). This is how the tests stop a run at
 * an exact place of the work rather than after a measured delay, which depends on the machine.
 *
 * The variable is read once, when this module loads; without it `crashPoint` is one comparison.
 * It is for tests only: nothing else sets it, and no option exposes it.
 *
 * The points: a commit to SQL storage, `sql-rows-written` (the batch's rows and the node's
 * watermark are written, inside the transaction), `sql-committed` (committed, the checkpoint not
 * yet written).
 */

export const CRASH_POINTS = ['sql-rows-written', 'sql-committed'] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export const CRASH_AT_VARIABLE = 'MONTHLY_VISITORS_CRASH_AT';

interface Armed {
  point: string;
  occurrence: number;
}

function parse(spec: string | undefined): Armed | undefined {
  if (spec === undefined || spec === '') return undefined;
  const [point, n = '1'] = spec.split(':');
  const occurrence = Number(n);
  if (!(CRASH_POINTS as readonly string[]).includes(point!) || !Number.isSafeInteger(occurrence) || occurrence < 1) {
    // A test that names a point that does not exist must not pass because nothing crashed.
    process.stderr.write(`monthly-visitors: ${CRASH_AT_VARIABLE}=${spec}: expected <point>:<n>, point one of ${CRASH_POINTS.join(', ')}\n`);
    process.exit(2);
  }
  return { point: point!, occurrence };
}

const armed = parse(process.env[CRASH_AT_VARIABLE]);
let reached = 0;

/** Marks a named point of the work (see the module comment); does nothing unless a test armed it. */
export function crashPoint(point: CrashPoint): void {
  if (armed === undefined || armed.point !== point) return;
  if (++reached !== armed.occurrence) return;
  process.kill(process.pid, 'SIGKILL');
}
