import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

// Real Prosody 0.12.3 logs captured without the module (fixtures/prosody-0.12-captured/README.md);
// the expected stores were worked out by hand from the client's manifest (expected/README.md).
const DIR = fixture('prosody-0.12-captured');

const cases = [
  { capture: 'month-boundary', level: 'debug', country: 'ALL', expected: 'month-boundary.debug.all.json' },
  { capture: 'month-boundary', level: 'debug', country: 'DE', expected: 'month-boundary.debug.DE.json' },
  { capture: 'month-boundary', level: 'info', country: 'ALL', expected: 'month-boundary.info.all.json' },
  { capture: 'new-year', level: 'debug', country: 'ALL', expected: 'new-year.debug.all.json' },
  { capture: 'new-year', level: 'debug', country: 'DE', expected: 'new-year.debug.DE.json' },
  { capture: 'new-year', level: 'info', country: 'ALL', expected: 'new-year.info.all.json' },
];

for (const c of cases) {
  test(`${c.capture}, ${c.level} level, record_country ${c.country}: the hand-computed store`, () => {
    const data = join(tempDir(), 'data');
    const r = runCli([
      'backfill', '--data-dir', data, '--mmdb', join(DIR, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
      '--record-country', c.country, '--timezone', 'UTC', '--year', '2026', join(DIR, `${c.capture}.${c.level}.log`),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const expected = JSON.parse(readFileSync(join(DIR, 'expected', c.expected), 'utf8'));
    assert.deepEqual(readStoreWithLua(data), expected);
    if (c.level === 'info') assert.match(r.stderr, /client statistics/);
  });
}

test('new-year: without --year, the year comes from the file date (kept as the capture left it)', () => {
  // A checkout sets the file's mtime to now, so give it the capture's end time explicitly.
  const data = join(tempDir(), 'data');
  const log = join(tempDir(), 'new-year.debug.log');
  writeFileSync(log, readFileSync(join(DIR, 'new-year.debug.log')));
  const end = new Date('2027-01-01T00:01:00Z');
  utimesSync(log, end, end);
  const r = runCli([
    'backfill', '--data-dir', data, '--mmdb', join(DIR, 'test-GeoIP2-City.mmdb'), ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', log,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readStoreWithLua(data), JSON.parse(readFileSync(join(DIR, 'expected', 'new-year.debug.all.json'), 'utf8')));
});
