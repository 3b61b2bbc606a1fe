import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunCoverage } from '../../src/core/log-coverage.js';
import { localIso, monthBounds } from '../../src/time/month-bounds.js';
import { TimeZone } from '../../src/time/zone.js';

const HOUR = 3_600_000;

/** A line at a UTC wall-clock time, as a parser reports it. */
function at(iso: string, zone = TimeZone.of('UTC')) {
  const time = Date.parse(iso);
  return { time, month: localIso(time, zone).slice(0, 7), localTime: localIso(time, zone) };
}

function report(c: RunCoverage, zone = TimeZone.of('UTC')) {
  return c.report((m) => monthBounds(m, zone), (t) => localIso(t, zone));
}

test('a month with lines from its first to its last day and no long pause is complete', () => {
  const c = new RunCoverage(24 * HOUR);
  const log = c.log();
  for (let d = 1; d <= 30; d++) log.add(at(`2026-11-${String(d).padStart(2, '0')}T12:00:00Z`));
  assert.deepEqual(report(c), [
    { month: '2026-11', firstLine: '2026-11-01T12:00+00:00', lastLine: '2026-11-30T12:00+00:00', startsLate: false, endsEarly: false, gaps: [], partial: false },
  ]);
});

test('logs starting on the 2nd, ending before the last day, or pausing longer than --max-gap make a month partial', () => {
  const c = new RunCoverage(24 * HOUR);
  const log = c.log();
  log.add(at('2026-11-02T00:00:00Z')); // the 2nd: starts late
  log.add(at('2026-11-10T00:00:00Z')); // 8 days later: a gap
  log.add(at('2026-11-29T23:59:00Z')); // before the 30th: ends early
  const [nov] = report(c);
  assert.equal(nov.startsLate, true);
  assert.equal(nov.endsEarly, true);
  assert.deepEqual(nov.gaps, [
    { from: '2026-11-02T00:00+00:00', to: '2026-11-10T00:00+00:00', hours: 192 },
    { from: '2026-11-10T00:00+00:00', to: '2026-11-29T23:59+00:00', hours: 480 },
  ]);
  assert.equal(nov.partial, true);
});

test('a pause of exactly --max-gap is not a gap; a minute more is', () => {
  const c = new RunCoverage(24 * HOUR);
  const log = c.log();
  log.add(at('2026-02-01T00:00:00Z'));
  log.add(at('2026-02-02T00:00:00Z'));
  log.add(at('2026-02-03T00:01:00Z'));
  log.add(at('2026-02-28T00:00:00Z'));
  const [feb] = report(c);
  assert.equal(feb.gaps.length, 2); // 24 h 1 min, then 24 days
  assert.equal(feb.gaps[0].from, '2026-02-02T00:00+00:00');
});

test("a gap in one log that another log's lines fill is no gap; lines out of order do not open one", () => {
  const c = new RunCoverage(24 * HOUR);
  const a = c.log();
  const b = c.log();
  for (const d of ['01', '02', '03', '20', '21', '30']) a.add(at(`2026-04-${d}T06:00:00Z`));
  for (const d of ['03', '05', '04', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19']) b.add(at(`2026-04-${d}T18:00:00Z`));
  const [apr] = report(c);
  assert.deepEqual(apr.gaps.map((g) => [g.from, g.to]), [['2026-04-21T06:00+00:00', '2026-04-30T06:00+00:00']]);
  assert.equal(apr.startsLate || apr.endsEarly, false);
});

test('months follow the zone they are counted in: a log starting at 23:30 UTC on the 31st starts on the 1st in Berlin', () => {
  const berlin = TimeZone.of('Europe/Berlin');
  const c = new RunCoverage(24 * HOUR);
  const log = c.log();
  log.add(at('2026-10-31T23:30:00Z', berlin)); // 00:30 on Nov 1st in Berlin (CET)
  log.add(at('2026-11-30T22:30:00Z', berlin)); // 23:30 on Nov 30th
  const [nov] = report(c, berlin);
  assert.equal(nov.month, '2026-11');
  assert.equal(nov.firstLine, '2026-11-01T00:30+01:00');
  assert.equal(nov.startsLate, false);
  assert.equal(nov.endsEarly, false);
  assert.equal(nov.gaps.length, 1); // the month between the two lines
});
