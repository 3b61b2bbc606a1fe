import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, ROOT } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { chromiumSkip, dumpDom } from '../helpers/chromium.js';

/**
 * The HTML report's charts, from a store of five months backfilled from the real Prosody captures
 * (2026-09 … 2027-01, two hosts): a trend chart per host, countries and clients as stacked shares
 * per month, a world map, one look per category in the whole page, and --min-count applied to every
 * chart. Structure is read from the page Chromium built (--dump-dom); layout from the page's own
 * width at 1280 and 400 px.
 */

const PATTERNS = ['^zom%d+.*=IOS', '^Zom-.*=IOS', '^chatsecure%d+.*=IOS', '^ChatSecureZom-.*=ANDROID', '^Conversations%..*=ANDROID', '^Gajim=DESKTOP'].flatMap((p) => ['--client-pattern', p]);
const MMDB = fixture('prosody-0.12-p1', 'test-GeoIP2-City.mmdb');

function fiveMonthStore(): string {
  const data = join(tempDir(), 'data');
  const common = ['--data-dir', data, '--mmdb', MMDB, ...PATTERNS, '--timezone', 'UTC', '--year', '2026', '-q'];
  for (const logs of [[fixture('prosody-0.12-p1', 'prosody.debug.log')], ['month-boundary', 'new-year'].map((n) => fixture('prosody-0.12-captured', `${n}.debug.log`))]) {
    const r = runCli(['backfill', ...common, ...logs]);
    assert.equal(r.code, 0, r.stderr);
  }
  return data;
}

const DATA = fiveMonthStore();

function html(...args: string[]): string {
  const out = join(tempDir(), 'report.html');
  const r = runCli(['report', '--format', 'html', '--output', out, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

function dom(file: string, size?: string): string {
  const d = dumpDom(file, size);
  assert.equal(d.code, 0, d.stderr);
  return d.stdout;
}

const all = (text: string, re: RegExp) => [...text.matchAll(re)];

test('report_html_charts: a trend, stacked shares of countries and clients, and a map per host', (t) => {
  if (chromiumSkip) return t.skip(chromiumSkip);
  const page = dom(html('--data-dir', DATA, '--mmdb', MMDB));
  const hosts = page.split('<section class="host">').slice(1);
  assert.equal(hosts.length, 2);
  for (const host of hosts) {
    assert.equal(all(host, /<svg class="visitors-chart"/g).length, 1, 'one trend chart');
    assert.equal(all(host, /<rect class="bar"/g).length, 5, 'a bar per month, 2026-09 … 2027-01');
    assert.equal(all(host, /<text class="change"/g).length, 4, 'a change under every month but the first');
    for (const d of ['country', 'client']) {
      const chart = new RegExp(`<svg class="share-stacks ${d}"[\\s\\S]*?</svg>`).exec(host)?.[0] ?? '';
      assert.equal(all(chart, /<g class="stack">/g).length, 5, `${d}: a stack per month`);
    }
    assert.equal(all(host, /<svg class="world-map"/g).length, 1, 'a map');
    assert.ok(all(host, /<use href="#mv-cc-[A-Z]{2}"/g).length > 150, 'every country shape is drawn');
  }
  // example.com's latest month, 2027-01: AT, DE, US (one visitor each), the map's only counted countries.
  const example = hosts.find((h) => h.includes('<h2>example.com</h2>'))!;
  assert.match(example, /Where visitors came from, 2027-01/);
  const counted = all(example, /<use href="#mv-cc-([A-Z]{2})" class="country counted"[^>]*><title>([^<]*)<\/title>/g).map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(counted.sort(), ['AT Austria: 1', 'DE Germany: 1', 'US United States: 1']);
  // City names come from the database given with --mmdb.
  assert.match(example, /Frankfurt am Main \(DE-HE\)/);
});

test('report_html_one_look_per_category: a country has the same fill in every chart, month and host', (t) => {
  if (chromiumSkip) return t.skip(chromiumSkip);
  const page = dom(html('--data-dir', DATA));
  const fills = new Map<string, Set<string>>();
  for (const m of all(page, /<rect class="share[^"]*"[^>]*fill="([^"]+)"[^>]*><title>(?:\d{4}-\d{2}: )?([^:<]+):/g)) {
    (fills.get(m[2]!) ?? fills.set(m[2]!, new Set()).get(m[2]!)!).add(m[1]!);
  }
  for (const name of ['Germany', 'France', 'Austria', 'IOS', 'ANDROID', 'other', 'unknown']) {
    if (!fills.has(name)) continue;
    assert.equal(fills.get(name)!.size, 1, `${name}: ${[...fills.get(name)!].join(', ')}`);
  }
  assert.ok(fills.has('Germany') && fills.has('IOS'), 'the common categories are drawn');
  const looks = [...fills].filter(([n]) => !['other', 'unknown', 'unknown client', 'hidden'].includes(n)).map(([, f]) => [...f][0]);
  assert.equal(new Set(looks).size, looks.length, 'no two categories share a look');
  // Every look is defined once, with a pattern for the ranks that need more than colour.
  for (const f of new Set(looks)) assert.equal(all(page, new RegExp(`<pattern id="${f!.slice(5, -1)}"`, 'g')).length, 1);
});

test('report_html_top_n: --top 2 names two countries per chart; the rest is "other"', (t) => {
  if (chromiumSkip) return t.skip(chromiumSkip);
  const page = dom(html('--data-dir', DATA, '--host', 'example.com', '--top', '2'));
  const chart = /<svg class="share-stacks country"[\s\S]*?<\/svg><\/div><div class="legend">([\s\S]*?)<\/div>/.exec(page)![1]!;
  const names = all(chart, /<\/svg>([^<]+)<\/span>/g).map((m) => m[1]);
  assert.deepEqual(names, ['Germany', 'Austria', 'other', 'unknown']);
  const bad = runCli(['report', '--data-dir', DATA, '--format', 'html', '--top', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--top "0": expected a whole number from 1 to 100/);
});

test('report_html_min_count: a hidden figure is never drawn with its value, in any chart', (t) => {
  if (chromiumSkip) return t.skip(chromiumSkip);
  const store = join(ROOT, 'test/fixtures/report-store/data');
  const json = JSON.parse(runCli(['report', '--data-dir', store, '--format', 'json', '--min-count', '3']).stdout) as {
    hosts: { host: string; months: { month: string; countries: { name: string; count: number | null }[] }[] }[];
  };
  const page = dom(html('--data-dir', store, '--min-count', '3'));
  let hiddenSeen = 0;
  for (const section of page.split('<section class="host">').slice(1)) {
    const host = json.hosts.find((h) => section.startsWith(`<h2>${h.host}</h2>`));
    if (host === undefined) continue; // the host whose name needs escaping: its months are checked by the other test
    const hidden = new Set(host.months.flatMap((m) => m.countries.filter((c) => c.count === null).map((c) => `${m.month}: ${c.name}`)));
    hiddenSeen += hidden.size;
    for (const m of all(section, /<title>(\d{4}-\d{2}): ([^:<]+): ([^<]*)<\/title>/g)) {
      if (hidden.has(`${m[1]}: ${m[2]}`)) assert.fail(`${host.host} ${m[0]}: a hidden country is drawn by name`);
    }
  }
  assert.ok(hiddenSeen > 0, 'the store has hidden countries');
  for (const m of all(page, /<title>(\d{4}-\d{2}): hidden: ([^<]*)<\/title>/g)) assert.equal(m[2], 'hidden', m[0]);
  // On the map, a hidden country is in the hidden look with its marker, never in a class.
  for (const m of all(page, /<use href="#mv-cc-[A-Z]{2}" class="country counted" fill="([^"]+)"[^>]*><title>[^:]+: (&lt;3|hidden|\d+)<\/title>/g)) {
    assert.equal(m[1] === 'url(#mv-hidden)', !/^\d+$/.test(m[2]!), m[0]);
  }
});

// Headless Chromium lays a page out at least 500 px wide whatever --window-size says: 400 is asked
// for, and the page must fit the narrowest width Chromium gives it.
test('report_html_fits_a_phone_and_a_desktop: the page is never wider than the window', (t) => {
  if (chromiumSkip) return t.skip(chromiumSkip);
  const file = html('--data-dir', DATA, '--mmdb', MMDB);
  // A copy that measures itself: the report's own policy forbids scripts, so the copy drops it.
  const probe = join(tempDir(), 'probe.html');
  writeFileSync(
    probe,
    readFileSync(file, 'utf8')
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
      .replace('</body>', '<script>const e = document.documentElement; document.body.dataset.fit = `${e.scrollWidth} ${e.clientWidth}`</script></body>'),
  );
  for (const width of [1280, 400]) {
    const page = dom(probe, `${width},900`);
    const [content, view] = (/data-fit="(\d+) (\d+)"/.exec(page) ?? []).slice(1).map(Number);
    assert.ok(view! > 0 && view! <= Math.max(width, 500), `window ${width}: laid out ${view} px wide`);
    assert.ok(content! <= view!, `window ${width}: the page is ${content} px wide in a ${view} px window`);
  }
});
