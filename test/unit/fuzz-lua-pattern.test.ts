/**
 * The Lua pattern engine under hostile resources (SPEC §2, §10): resources are attacker-chosen,
 * patterns are the operator's. Matching is bounded by MAX_MATCH_STEPS per call; past it the
 * pattern raises a clear "pattern too complex" PatternError, and the classifier takes that
 * pattern as not matching (and counts it) instead of stopping the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LuaPattern, MAX_MATCH_STEPS } from '../../src/core/lua-pattern/index.js';
import { ClientClassifier, UNKNOWN_CLIENT } from '../../src/core/client-classifier.js';
import { PatternError } from '../../src/errors.js';
import { PatternGenerator, Rng } from '../helpers/lua-pattern-gen.js';
import { checkProperty } from '../helpers/fuzz.js';

/** Backtracking that is polynomial of high degree in the subject's length. */
const PATHOLOGICAL = ['^.-.-.-.-x$', '.-.-.-x', '^(.-)(.-)(.-)(.-)y', 'a*a*a*a*a*b', '(.*)(.*)(.*)%1%2%3z', '^(a-)(a-)(a-)%f[b]'];

function isTooComplex(err: unknown, source: string): boolean {
  return err instanceof PatternError && err.message === `client pattern ${JSON.stringify(source)}: pattern too complex`;
}

test('pathological patterns on long resources end: a match, no match, or a clear "pattern too complex"', (t) => {
  let slowest = 0;
  let gaveUp = 0;
  for (const source of PATHOLOGICAL) {
    const pattern = LuaPattern.compile(source);
    for (const length of [10, 5_000]) {
      const subject = 'a'.repeat(length);
      const started = process.hrtime.bigint();
      try {
        assert.equal(typeof pattern.test(subject), 'boolean');
      } catch (err) {
        assert.ok(isTooComplex(err, source), String(err));
        gaveUp++;
      }
      slowest = Math.max(slowest, Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  assert.ok(gaveUp > 0, 'some of these hit the step limit');
  // Measured, not asserted (no wall-clock assertions): ~70-140 ms per call at 10M steps here.
  t.diagnostic(`step limit ${MAX_MATCH_STEPS}; slowest call ${slowest.toFixed(0)} ms; ${gaveUp} calls gave up`);
});

test('a resource that is too much work for one pattern is classified by the next one, and counted', () => {
  const classifier = new ClientClassifier([
    { pattern: LuaPattern.compile('^.-.-.-.-x$'), category: 'SLOW' },
    { pattern: LuaPattern.compile('^Gajim'), category: 'DESKTOP' },
  ]);
  const resource = `Gajim${'a'.repeat(1000)}`;
  assert.equal(classifier.classify(resource), 'DESKTOP');
  assert.equal(classifier.gaveUp, 1);
  assert.equal(classifier.classify(resource), 'DESKTOP'); // cached: the work is not done again
  assert.equal(classifier.gaveUp, 1);
  assert.equal(classifier.classify('a'.repeat(1000)), UNKNOWN_CLIENT);
  assert.equal(classifier.gaveUp, 2);
  assert.equal(classifier.classify('ax'), 'SLOW');
});

test('fuzz: random patterns on random, long and repetitive resources only ever match, miss or give up clearly', () => {
  const subject = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.tuple(fc.string({ unit: fc.constantFrom('a', 'b', '(', ')', '.', '%', 'é', '\0'), maxLength: 4 }), fc.integer({ min: 1, max: 800 })).map(([s, n]) => s.repeat(n)),
  );
  checkProperty(
    fc.property(fc.integer(), fc.array(subject, { minLength: 1, maxLength: 4 }), (seed, subjects) => {
      const source = Buffer.from(new PatternGenerator(new Rng(seed)).pattern()).toString('latin1');
      let pattern: LuaPattern;
      try {
        pattern = LuaPattern.compile(source);
      } catch (err) {
        assert.ok(err instanceof PatternError, String(err));
        assert.ok(!err.message.includes('\n'));
        return;
      }
      for (const s of subjects) {
        try {
          assert.equal(typeof pattern.test(s), 'boolean');
        } catch (err) {
          assert.ok(isTooComplex(err, source), String(err));
        }
      }
    }),
    150,
  );
});
