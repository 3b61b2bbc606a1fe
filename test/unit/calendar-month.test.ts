import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daysInMonth, isMonth, monthsBefore } from '../../src/core/calendar-month.js';
import { oldestKeptMonth } from '../../src/core/prune-plan.js';

/**
 * Month keys step through date-fns on local dates; the results must not depend on the process's
 * zone. Zones with a DST change at midnight (São Paulo until 2019, Chatham's 45-minute offset,
 * Kiritimati at +14) would move a local midnight into another day if the arithmetic used one.
 */
const ZONES = ['UTC', 'America/Sao_Paulo', 'Pacific/Chatham', 'Pacific/Kiritimati', 'America/St_Johns', 'Asia/Kathmandu'];

function inZones(body: () => void): void {
  const saved = process.env.TZ;
  try {
    for (const zone of ZONES) {
      process.env.TZ = zone; // Node re-reads TZ when it is set
      body();
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

/** The independent oracle: a month index (year × 12 + month − 1), counted by hand. */
function byIndex(month: string, n: number): string | undefined {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  if (index < 0 || index >= 10000 * 12) return undefined;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

test('month stepping across years, by hand-checked cases, in every zone', () => {
  inZones(() => {
    assert.equal(monthsBefore('2026-01', 1), '2025-12');
    assert.equal(monthsBefore('2026-03', 1), '2026-02');
    assert.equal(monthsBefore('2026-11', 11), '2025-12');
    assert.equal(monthsBefore('0000-01', 1), undefined, 'no key names the month before year 0');
    assert.equal(monthsBefore('9999-12', -1), undefined, 'nor the month after 9999');
    assert.equal(monthsBefore('0099-01', 1), '0098-12', 'years below 100 are not read as 19xx');
    assert.equal(monthsBefore('2026-13', 1), undefined);
    assert.equal(monthsBefore('2026-11', 1e20), undefined);
  });
});

test('month stepping agrees with month-index arithmetic for every month of years 0–9999', () => {
  inZones(() => {
    for (let y = 0; y <= 9999; y += process.env.TZ === 'UTC' ? 1 : 97) {
      for (let m = 1; m <= 12; m++) {
        const key = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
        assert.ok(isMonth(key));
        for (const n of [1, -1, 13, 120000]) assert.equal(monthsBefore(key, n), byIndex(key, n), `${key} − ${n} in ${process.env.TZ}`);
      }
    }
  });
});

test('days in a month: the Gregorian leap rule, in every zone', () => {
  inZones(() => {
    assert.equal(daysInMonth(2024, 2), 29);
    assert.equal(daysInMonth(2026, 2), 28);
    assert.equal(daysInMonth(1900, 2), 28, 'a century is no leap year');
    assert.equal(daysInMonth(2000, 2), 29, 'unless divisible by 400');
    assert.equal(daysInMonth(0, 2), 29, 'year 0 is one of those');
    assert.equal(daysInMonth(2026, 4), 30);
    assert.equal(daysInMonth(2026, 12), 31);
    for (let y = 0; y <= 2400; y += 3) for (let m = 1; m <= 12; m++) assert.equal(daysInMonth(y, m), expectedDays(y, m), `${y}-${m}`);
  });
});

function expectedDays(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

test('--keep-months reaching back past year 0 keeps every month, never a malformed key', () => {
  assert.equal(oldestKeptMonth('2026-11', 100000), '0000-01');
  assert.equal(oldestKeptMonth('2026-11', 2026 * 12 + 11), '0000-01');
  assert.equal(oldestKeptMonth('2026-11', 2026 * 12 + 10), '0000-02');
});
