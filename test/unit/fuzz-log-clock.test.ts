/**
 * `LogClock` remembers the last hour's `Date.UTC` and the last month's text: a run of stamps must
 * come out exactly as if each were computed afresh, for wall clocks in any order and with any field
 * values (a parser may hand over NaN, a day 45, a year 0099).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LogClock } from '../../src/time/log-clock.js';
import { monthOf, TimeZone, type WallClock } from '../../src/time/zone.js';
import { checkProperty } from '../helpers/fuzz.js';

const odd = fc.constantFrom(NaN, Infinity, -1, 0.5, 59.9, 1000, 1e9, -0);
const field = (min: number, max: number) => fc.oneof({ weight: 8, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: odd });
const wall: fc.Arbitrary<WallClock> = fc.record({
  year: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 2025, max: 2026 }) }, { weight: 1, arbitrary: fc.constantFrom(99, 0, 275760, NaN) }),
  month: field(1, 12),
  day: field(1, 31),
  hour: field(0, 23),
  minute: field(0, 59),
  second: field(0, 60),
  millisecond: field(0, 999),
});
// Runs of nearby times (same hour, same month) as logs have them, and jumps.
const walks = fc.array(fc.tuple(wall, fc.nat(3)), { maxLength: 40 }).map((steps) => {
  const out: WallClock[] = [];
  for (const [w, keep] of steps) {
    const last = out[out.length - 1];
    out.push(last !== undefined && keep > 0 ? { ...last, minute: w.minute, second: w.second, millisecond: w.millisecond, ...(keep > 1 ? {} : { day: w.day, hour: w.hour }) } : w);
  }
  return out;
});

function outcome(f: () => number): { time: number } | { error: string } {
  try {
    return { time: f() };
  } catch (err) {
    return { error: String(err) };
  }
}

test('fuzz: a clock\'s stamps equal Date.UTC, the zone\'s toEpoch and monthOf of each wall clock', () => {
  for (const zoneName of ['UTC', 'Europe/Berlin']) {
    const zone = TimeZone.of(zoneName);
    checkProperty(
      fc.property(walks, fc.integer({ min: -50_400_000, max: 50_400_000 }), (ws, offsetMs) => {
        const clock = new LogClock({ zone, monthZone: null, referenceMs: null });
        for (const w of ws) {
          const withOffset = clock.stampWithOffset(w, offsetMs);
          assert.ok(Object.is(withOffset.time, Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - offsetMs), JSON.stringify(w));
          assert.equal(withOffset.month, monthOf(w.year, w.month));
          // A zone throws for an invalid time (NaN): the clock must then throw too.
          const local = outcome(() => clock.stampAt(w.year, w.month, w.day, w.hour, w.minute, w.second, w.millisecond).time);
          assert.deepEqual(local, outcome(() => zone.toEpoch(w)), JSON.stringify(w));
        }
      }),
      300,
    );
  }
});

test('a clock\'s stamp past the end of Date\'s range is NaN, as Date.UTC says, even within a remembered hour', () => {
  const clock = new LogClock({ zone: TimeZone.of('UTC'), monthZone: null, referenceMs: null });
  assert.equal(clock.stampWithOffset({ year: 275760, month: 9, day: 13, hour: 0, minute: 0, second: 0, millisecond: 0 }, 0).time, 8.64e15);
  assert.ok(Number.isNaN(clock.stampWithOffset({ year: 275760, month: 9, day: 13, hour: 0, minute: 1, second: 0, millisecond: 0 }, 0).time));
});
