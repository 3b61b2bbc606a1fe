/**
 * Property runs for the fuzz tests. `npm test` runs each property a small, fixed number of times
 * (bounded by count, not by a clock); `npm run fuzz` sets FUZZ_RUNS (e.g. 100000) for a long run.
 * FUZZ_SEED replays a failure: every failure prints the seed and the shrunk counterexample.
 */
import fc from 'fast-check';

/** How many runs a property gets: `quick` in npm test, FUZZ_RUNS / `cost` in a fuzz run. */
export function fuzzRuns(quick: number, cost = 1): number {
  const env = Number(process.env.FUZZ_RUNS);
  if (!Number.isFinite(env) || env <= 0) return quick;
  return Math.max(quick, Math.floor(env / cost));
}

/** fc.assert with the run count above and the seed always in the failure message. */
export function checkProperty<Ts>(property: fc.IProperty<Ts>, quick: number, cost = 1): void {
  const seedEnv = Number(process.env.FUZZ_SEED);
  const params: fc.Parameters<Ts> = { numRuns: fuzzRuns(quick, cost) };
  if (Number.isInteger(seedEnv)) params.seed = seedEnv;
  const details = fc.check(property, params) as fc.RunDetails<Ts>;
  if (details.failed) {
    const message = fc.defaultReportMessage(details as fc.RunDetails<Ts | null>) ?? 'property failed';
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? '');
    throw new Error(`${message}\nError: ${cause}\n(replay: FUZZ_SEED=${details.seed} npm run fuzz)`);
  }
}

/** Arbitrary bytes as a Buffer. */
export const bytesArb = (maxLength = 200): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

/**
 * A mutation of `base`: bytes flipped, inserted, deleted, truncated or duplicated, at random places.
 * Real inputs mutated a little reach deeper than random bytes.
 */
export function mutationOf(base: Buffer, maxEdits = 6): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: maxEdits }).map((edits) => {
    let b = Buffer.from(base);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % (b.length + 1);
      switch (e.kind) {
        case 'flip':
          if (b.length > 0) b[Math.min(at, b.length - 1)] = e.value;
          break;
        case 'insert':
          b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at)]);
          break;
        case 'delete':
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.count)]);
          break;
        case 'truncate':
          b = b.subarray(0, at);
          break;
        case 'repeat':
          b = Buffer.concat([b.subarray(0, at + e.count), b.subarray(at)]);
          break;
      }
    }
    return b;
  });
}
