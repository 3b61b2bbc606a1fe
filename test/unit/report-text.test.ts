import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { readCsv } from '../../src/report/csv-reader.js';
import { loadLocationNames } from '../../src/report/locations-csv.js';
import { csvField } from '../../src/report/formats/csv.js';
import { escapeLabelValue } from '../../src/report/formats/prometheus.js';
import { escapeHtml } from '../../src/report/formats/html.js';
import { displayWidth, padEnd, truncate } from '../../src/report/text-width.js';
import { PlaceNames } from '../../src/report/place-names.js';
import { ROOT } from '../helpers/paths.js';

const LOCATIONS = join(ROOT, 'test/fixtures/report-store/GeoLite2-City-Locations-en.csv');

function readAll(text: string): string[][] {
  const rows: string[][] = [];
  readCsv(text, (r) => rows.push(r));
  return rows;
}

test('our CSV reader reads what csv-parse reads (quotes, commas, line breaks in fields, CRLF, BOM)', () => {
  const samples = [
    readFileSync(LOCATIONS, 'utf8'),
    'a,b\n1,2\n',
    'a,b\r\n"x, y","say ""hi"""\r\n',
    '\ufeffid,name\n1,"two\nlines"\n2,\n',
    'a,"",c\n,,\n',
    'last,line,without,break',
  ];
  for (const s of samples) assert.deepEqual(readAll(s), parseCsv(s, { bom: true, relax_column_count: true }), JSON.stringify(s));
  assert.throws(() => readAll('a,"open\n'), /never closed/);
  assert.throws(() => readAll('a,"x"y\n'), /after the closing quote/);
});

test('the locations file names the cities and subdivisions a report asks for, and only those', () => {
  const names = loadLocationNames(LOCATIONS, { cities: new Set(['2925533', '4140963', '6255148']), subdivisions: new Set(['DE-HE', 'US-DC']) });
  assert.equal(names.city('2925533'), 'Frankfurt am Main');
  assert.equal(names.city('4140963'), 'Washington, "D.C."');
  assert.equal(names.city('6255148'), undefined, 'a continent row has no city name');
  assert.equal(names.city('2761369'), undefined, 'not asked for');
  assert.equal(names.subdivision('DE', 'HE'), 'Hesse');
  assert.equal(names.subdivision('US', 'DC'), 'District of Columbia');
  const place = new PlaceNames([names]);
  assert.equal(place.city({ country: 'DE', subdivision: 'HE', city: '2925533' }), 'Frankfurt am Main (DE-HE)');
  assert.equal(place.subdivision({ country: 'DE', subdivision: 'HE', city: '?' }), 'Hesse, Germany');
  assert.equal(place.country('?'), 'unknown');
  assert.equal(place.country('=1'), '=1', 'not a region code: shown as it is');
  assert.throws(() => loadLocationNames(join(ROOT, 'no-such.csv'), { cities: new Set(), subdivisions: new Set() }), /no-such\.csv: cannot read the locations file: no such file/);
});

test('escapes: CSV formula cells, Prometheus label values, HTML text', () => {
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('-2'), "'-2");
  assert.equal(csvField('@x'), "'@x");
  assert.equal(csvField('\tx'), "'\tx");
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('+"q"'), `"'+""q"""`);
  assert.equal(csvField('DE-HE'), 'DE-HE');
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeHtml(`<a href='x'>&"\x1b`), '&#60;a href=&#39;x&#39;&#62;&#38;&#34;\\u001b');
});

test('table widths: wide characters count two columns, cut names end in …', () => {
  assert.equal(displayWidth('東京'), 4);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(padEnd('東京都', 5), '東京…');
  assert.equal(displayWidth(padEnd('東京都庁', 6)), 6);
});
