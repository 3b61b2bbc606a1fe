import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeZone, isoWithOffset } from '../../src/time/zone.js';
import { YearTracker } from '../../src/time/year-inference.js';
import { ConfigError } from '../../src/errors.js';

const w = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) => ({
  year, month, day, hour, minute, second, millisecond: 0,
});

test('wall clock → instant in a zone, across DST (checked against known offsets)', () => {
  const berlin = TimeZone.of('Europe/Berlin');
  assert.equal(berlin.toEpoch(w(2026, 1, 15, 12)), Date.UTC(2026, 0, 15, 11)); // CET +1
  assert.equal(berlin.toEpoch(w(2026, 7, 15, 12)), Date.UTC(2026, 6, 15, 10)); // CEST +2
  const kolkata = TimeZone.of('Asia/Kolkata');
  assert.equal(kolkata.offsetAt(Date.UTC(2026, 0, 1)), 5.5 * 3600_000);
  assert.equal(TimeZone.of('UTC').toEpoch(w(2026, 9, 3, 9)), Date.UTC(2026, 8, 3, 9));
});

test('skipped and repeated DST hours never throw and stay close', () => {
  const berlin = TimeZone.of('Europe/Berlin');
  const skipped = berlin.toEpoch(w(2026, 3, 29, 2, 30)); // 02:30 does not exist that day
  assert.ok(Math.abs(skipped - Date.UTC(2026, 2, 29, 1, 0)) <= 3600_000);
  const repeated = berlin.toEpoch(w(2026, 10, 25, 2, 30)); // 02:30 happens twice
  assert.ok([Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30)].includes(repeated));
});

test('ISO 8601 with offset', () => {
  assert.equal(isoWithOffset(w(2026, 9, 3, 9), 0), '2026-09-03T09:00:00+00:00');
  assert.equal(isoWithOffset(w(2026, 9, 3, 9), -(3 * 60 + 30) * 60_000), '2026-09-03T09:00:00-03:30');
});

test('unknown zones are configuration errors', () => {
  assert.throws(() => TimeZone.of('Mars/Olympus'), ConfigError);
});

test('year inference: latest year not after the file date + 1 day; New Year advances', () => {
  const utc = TimeZone.of('UTC');
  const mtime = Date.UTC(2027, 0, 2, 12); // file last written 2 January 2027
  const t = new YearTracker(utc, mtime);
  assert.equal(t.yearOf(12, 30, 10, 0, 0), 2026);
  assert.equal(t.yearOf(12, 31, 23, 59, 59), 2026);
  assert.equal(t.yearOf(1, 1, 0, 0, 0), 2027);
  assert.equal(new YearTracker(utc, mtime).yearOf(1, 3, 10, 0, 0), 2027); // within the day of slack
  assert.equal(new YearTracker(utc, mtime).yearOf(1, 4, 10, 0, 0), 2026);
  assert.equal(new YearTracker(utc, mtime, 2019).yearOf(5, 1, 0, 0, 0), 2019); // --year wins
});
