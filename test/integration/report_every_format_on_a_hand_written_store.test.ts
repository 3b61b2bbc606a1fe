/**
 * `report` on a data dir written by hand (test/fixtures/report-store: example.net with three months,
 * and a host whose name and keys are as hostile as a log can make them). Every expected figure was
 * worked out by hand from the .dat files (see the fixture's README).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse as parseCsv } from 'csv-parse/sync';
import parsePrometheus from 'parse-prometheus-text-format';
import { ROOT } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { chromiumSkip, dumpDom, screenshot } from '../helpers/chromium.js';
import { colourHistogram, readPng } from '../helpers/png.js';

const STORE = join(ROOT, 'test/fixtures/report-store');
const DATA = join(STORE, 'data');
const EVIL_HOST = '=2+3<b>\x1b[31m';
const report = (...args: string[]) => runCli(['report', '--data-dir', DATA, ...args]);

function ok(args: string[]): string {
  const r = report(...args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

test('table: the hand-worked figures, in 80 columns, with no control characters from the store', () => {
  const out = ok([]);
  const lines = out.split('\n');
  for (const line of lines) assert.ok([...line].length <= 80, `too wide: ${JSON.stringify(line)}`);
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(out), 'a control character reached the terminal');
  assert.ok(lines.includes('=2+3<b>\\u001b[31m'), 'the host name is shown with its escape visible');
  assert.ok(lines.includes('  2025-12            6'));
  assert.ok(lines.includes('  2026-01            9  +3 (+50%)'));
  assert.ok(lines.includes('  2026-03            2'), 'no change: there is no 2026-02');
  const row = (name: string, n: string) => `      ${name.padEnd(65)} ${n.padStart(8)}`;
  assert.ok(lines.includes(row('Germany [DE]', '6')));
  assert.ok(lines.includes(row('HE, Germany [DE-HE]', '4')));
  assert.ok(lines.includes(row('unknown client [?]', '1')));
  assert.ok(lines.includes(row('2925533 (DE-HE) [DE-HE-2925533]', '4')));
  assert.ok(lines.includes(row('\\u001b[2Jx"y\\z\\nw', '1')), 'a key with ESC, quote, backslash and newline');
});

test('table with --locations: city and subdivision names from a GeoLite2 locations file', () => {
  const out = ok(['--host', 'example.net', '--locations', join(STORE, 'GeoLite2-City-Locations-en.csv')]);
  assert.match(out, /^ {6}Frankfurt am Main \(DE-HE\) \[DE-HE-2925533\] +4$/m);
  assert.match(out, /^ {6}Land Berlin, Germany \[DE-BE\] +2$/m);
  assert.match(out, /^ {6}unknown \(US-TX\) \[US-TX-\?\] +1$/m);
});

test('json: schema monthly-visitors/report/1 with the hand-worked figures', () => {
  const doc = JSON.parse(ok(['--format', 'json', '--host', 'example.net', '--from', '2026-01']));
  assert.equal(doc.schema, 'monthly-visitors/report/1');
  assert.equal(doc.minCount, null);
  assert.equal(doc.hosts.length, 1);
  const [jan, mar] = doc.hosts[0].months;
  assert.equal(doc.hosts[0].months.length, 2, '--from 2026-01 leaves out 2025-12');
  assert.deepEqual(jan.uniqueVisitors, { count: 9, hidden: null });
  assert.deepEqual(jan.change, { previousMonth: '2025-12', previous: 6, delta: 3, percent: 50 }, 'the change still comes from 2025-12');
  assert.deepEqual(jan.countries, [
    { key: 'DE', name: 'Germany', count: 6, hidden: null },
    { key: 'AT', name: 'Austria', count: 2, hidden: null },
    { key: 'US', name: 'United States', count: 1, hidden: null },
  ]);
  assert.deepEqual(jan.subdivisions.map((c: { key: string; count: number }) => [c.key, c.count]), [['DE-HE', 4], ['AT-9', 2], ['DE-BE', 2], ['US-TX', 1]]);
  assert.deepEqual(jan.cities.map((c: { key: string; count: number }) => [c.key, c.count]), [['DE-HE-2925533', 4], ['AT-9-2761369', 2], ['DE-BE-2950159', 2], ['US-TX-?', 1]]);
  assert.deepEqual(jan.clients.map((c: { key: string; count: number }) => [c.key, c.count]), [['IOS', 5], ['ANDROID', 3], ['?', 1]]);
  assert.equal(mar.change, null);
  assert.deepEqual(mar.clients, [{ key: 'DESKTOP', name: 'DESKTOP', count: 2, hidden: null }]);
});

test('json with --min-count 3: the hand-worked suppression; a hidden figure has no count', () => {
  const text = ok(['--format', 'json', '--host', 'example.net', '--min-count', '3']);
  const doc = JSON.parse(text);
  assert.equal(doc.minCount, 3);
  const jan = doc.hosts[0].months[1];
  const fig = (c: { key: string; count: number | null; hidden: string | null }) => `${c.key}=${c.count ?? c.hidden}`;
  assert.deepEqual(jan.countries.map(fig), ['DE=6', 'AT=below-min-count', 'US=below-min-count']);
  assert.deepEqual(jan.subdivisions.map(fig), ['DE-BE=below-min-count', 'DE-HE=complementary']);
  assert.deepEqual(jan.cities.map(fig), ['DE-HE-2925533=complementary']);
  assert.deepEqual(jan.clients.map(fig), ['?=below-min-count', 'ANDROID=complementary', 'IOS=complementary']);
  assert.equal(jan.change, null, '2025-12 has its total hidden');
  const dec = doc.hosts[0].months[0];
  assert.deepEqual(dec.uniqueVisitors, { count: null, hidden: 'complementary' });
});

test('csv: RFC 4180 that a real CSV parser reads back, one row per host, month, dimension and key; formulas neutralised', () => {
  const text = ok(['--format', 'csv']);
  assert.ok(text.endsWith('\r\n'));
  const rows: string[][] = parseCsv(text, { relax_column_count: false });
  assert.deepEqual(rows[0], ['host', 'month', 'dimension', 'key', 'name', 'count']);
  const net = rows.filter((r) => r[0] === 'example.net');
  // example.net: (1 + 3 + 4 + 4 + 2) + (1 + 3 + 4 + 4 + 3) + (1 + 1 + 1 + 1 + 1) rows.
  assert.equal(net.length, 14 + 15 + 5);
  assert.ok(net.some((r) => r.join('|') === 'example.net|2026-01|country|DE|Germany|6'));
  assert.ok(net.some((r) => r.join('|') === 'example.net|2026-01|visitors|unique|unique visitors|9'));
  assert.ok(net.some((r) => r.join('|') === 'example.net|2026-03|city|JP-13-1850147|1850147 (JP-13)|2'));
  const evil = rows.filter((r) => r[0] === `'${EVIL_HOST}`);
  assert.equal(evil.length, 1 + 3 + 3 + 3 + 3, 'the host starting with = gets a leading quote');
  assert.ok(evil.some((r) => r[3] === "'@SUM(A1)" && r[5] === '2'));
  assert.ok(evil.some((r) => r[2] === 'country' && r[3] === `'=1,"a"` && r[5] === '2'));
  assert.ok(evil.some((r) => r[2] === 'country' && r[3] === "'\ttab" && r[5] === '1'));
  assert.ok(evil.some((r) => r[3] === '\x1b[2Jx"y\\z\nw' && r[5] === '1'), 'a newline and quotes survive quoting');
  for (const r of rows) for (const cell of r) assert.ok(!/^[=+\-@\t\r]/.test(cell), `formula-like cell ${JSON.stringify(cell)}`);
});

test('prometheus: passes promtool check metrics', (t) => {
  const text = ok(['--format', 'prometheus', '--min-count', '2']);
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (promtool.error) return t.skip('promtool is not installed (Debian package prometheus; .ci/run installs it)');
  assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
  assert.equal(`${promtool.stdout}${promtool.stderr}`.trim(), '', 'promtool has no lint complaints');
});

test('prometheus: an independent parser reads the hand-worked figures and the escaped labels', () => {
  const families = parsePrometheus(ok(['--format', 'prometheus']));
  const family = (name: string) => families.find((f) => f.name === name)!;
  const unique = family('monthly_visitors_unique_users');
  assert.equal(unique.type, 'GAUGE');
  assert.deepEqual(
    unique.metrics.map((m) => `${m.labels!.host} ${m.labels!.month} ${m.value}`),
    [`${EVIL_HOST} 2026-01 6`, 'example.net 2025-12 6', 'example.net 2026-01 9', 'example.net 2026-03 2'],
  );
  const change = family('monthly_visitors_unique_users_change');
  assert.deepEqual(change.metrics.map((m) => [m.labels!.month, m.labels!.previous_month, m.value]), [['2026-01', '2025-12', '3']]);
  const country = family('monthly_visitors_users_by_country').metrics.find((m) => m.labels!.host === 'example.net' && m.labels!.month === '2026-01' && m.labels!.country === 'DE');
  assert.deepEqual(country, { value: '6', labels: { host: 'example.net', month: '2026-01', country: 'DE', country_name: 'Germany' } });
  const city = family('monthly_visitors_users_by_city').metrics.find((m) => m.labels!.city === '2761369');
  assert.deepEqual(city?.labels, { host: 'example.net', month: '2026-01', country: 'AT', subdivision: '9', city: '2761369', city_name: '2761369 (AT-9)' });
  const evilClient = family('monthly_visitors_users_by_client').metrics.find((m) => m.labels!.client.startsWith('\x1b'));
  assert.equal(evilClient?.labels!.client, '\x1b[2Jx"y\\z\nw', 'backslash, quote and newline round-trip through the label escapes');
  assert.equal(family('monthly_visitors_hidden_cells'), undefined, 'no hidden cells without --min-count');
});

test('prometheus --output: written atomically, replacing the old file, no temporary file left', () => {
  const dir = tempDir();
  const out = join(dir, 'monthly_visitors.prom');
  writeFileSync(out, 'old\n');
  const r = report('--format', 'prometheus', '--output', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /^# HELP monthly_visitors_unique_users /);
  assert.deepEqual(readdirSync(dir), ['monthly_visitors.prom']);
  const bad = report('--format', 'prometheus', '--output', join(dir, 'no-such-dir', 'x.prom'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no-such-dir\/x\.prom: cannot create a temporary file beside it: no such file or directory/);
});

test('html: one self-contained file, everything escaped, rendered by headless Chromium with its charts', (t) => {
  const dir = tempDir();
  const html = join(dir, 'report.html');
  const r = report('--format', 'html', '--output', html);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(html, 'utf8');
  assert.ok(!/<script|<link|<img|@import|url\((?!#)|href="(?!#)|https?:\/\//i.test(text.replaceAll('http://www.w3.org/2000/svg', '')), 'nothing to load, nothing to run');
  assert.ok(text.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(!text.includes('\x1b'), 'ESC is not in the page raw');
  if (chromiumSkip) return t.skip(chromiumSkip);

  const dom = dumpDom(html);
  assert.equal(dom.code, 0, dom.stderr);
  const count = (re: RegExp) => (dom.stdout.match(re) ?? []).length;
  assert.equal(count(/<script/g), 0, 'no script element came out of the data');
  assert.equal(count(/<svg class="visitors-chart"/g), 2, 'one chart of visitors per month per host');
  assert.equal(count(/<rect class="bar"/g), 4, 'a bar per host and month');
  assert.ok(count(/<svg class="share-chart"/g) >= 8, 'country and client shares for every month');
  assert.ok(dom.stdout.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the hostile key is text');

  const png = join(dir, 'report.png');
  const shot = screenshot(html, png);
  assert.equal(shot.code, 0, shot.stderr);
  assert.ok(existsSync(png));
  const image = readPng(readFileSync(png));
  assert.deepEqual([image.width, image.height], [1000, 1200]);
  const colours = colourHistogram(image);
  const [background] = [...colours.entries()].sort((a, b) => b[1] - a[1])[0]!;
  assert.equal(background, '255,255,255', 'a white page');
  assert.ok(colours.size > 20, `a page with text and charts, not blank (${colours.size} colours)`);
  assert.ok((colours.get('78,121,167') ?? 0) > 2000, 'the blue bars of the visitors chart are drawn');
});

test('errors: a corrupt .dat names the file (exit 1); bad options exit 2; nothing is printed on stdout', () => {
  const corrupt = runCli(['report', '--data-dir', join(ROOT, 'test/fixtures/report-corrupt/data')]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.stderr, /^monthly-visitors: .*example%2enet\/monthly%2dvisitors\.dat: .+\n$/);
  assert.equal(corrupt.stdout, '');
  const cases: Array<[string[], RegExp]> = [
    [['--from', '2026-13'], /--from "2026-13": expected a month as YYYY-MM/],
    [['--from', '2026-02', '--to', '2026-01'], /--from 2026-02 is after --to 2026-01/],
    [['--min-count', '0'], /--min-count "0": expected a whole number ≥ 1/],
    [['--host', 'nowhere.example'], /--host nowhere\.example: no statistics for this host/],
    [['--format', 'xml'], /argument 'xml' is invalid/],
    [['--locations', join(STORE, 'README.md')], /not a GeoLite2 City locations file: no column geoname_id, city_name/],
    [['--mmdb', join(STORE, 'README.md')], /not a MaxMind DB/],
  ];
  for (const [args, message] of cases) {
    const r = report(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  const missing = runCli(['report', '--data-dir', join(tempDir(), 'nothing')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nothing: no such data directory/);
});
