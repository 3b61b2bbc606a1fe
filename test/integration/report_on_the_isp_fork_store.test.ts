import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import parsePrometheus from 'parse-prometheus-text-format';
import { runCli } from '../helpers/run-cli.js';
import { ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/tree.js';
import { chromiumSkip, dumpDom } from '../helpers/chromium.js';
import { FORK, FORK_ASN } from '../helpers/fork-isp.js';

/** The real fork's store (fixtures/prosody-0.12-fork-isp/data); figures worked out by hand from its .dat files. */
const DATA = join(FORK, 'data');
const HOSTILE_ASN = join(ROOT, 'test', 'fixtures', 'hostile-asn', 'hostile-GeoLite2-ASN.mmdb');
const HOSTILE = '=HYPERLINK("x")<script>alert(1)</script>"q"\\\n\x1b[2J';

function report(...args: string[]): string {
  const r = runCli(['report', '--data-dir', DATA, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

interface JsonCell { key: string; name: string; count: number | null; hidden: string | null }
interface JsonMonth { month: string; uniqueVisitors: { count: number | null }; clients: JsonCell[]; countries: JsonCell[]; isps?: JsonCell[] }

function months(text: string, host: string): JsonMonth[] {
  return JSON.parse(text).hosts.find((h: { host: string }) => h.host === host).months;
}

const brief = (cells: JsonCell[]) => cells.map((c) => `${c.key}=${c.count ?? c.hidden}`).sort();

test('json: unique visitors are the sum of users_seen; clients and ISPs summed over the geo keys; ISP names from --asn-mmdb', () => {
  const [oct, nov] = months(report('--format', 'json', '--asn-mmdb', FORK_ASN), 'example.com');
  assert.equal(oct!.uniqueVisitors.count, 3);
  assert.deepEqual(brief(oct!.countries), ['AT=1', 'DE=1', 'US=1']);
  assert.deepEqual(brief(oct!.clients), ['?=1', 'IOS=2']);
  assert.deepEqual(brief(oct!.isps!), ['?=1', 'AS3320=1', 'AS8447=1']);
  assert.deepEqual(Object.fromEntries(oct!.isps!.map((c) => [c.key, c.name])), { '?': 'unknown ISP', AS3320: 'Deutsche Telekom AG', AS8447: 'A1 Telekom Austria AG' });
  assert.equal(nov!.uniqueVisitors.count, 3);
  assert.deepEqual(brief(nov!.clients), ['ANDROID=1', 'DESKTOP=1', 'IOS=1']);
  assert.deepEqual(brief(nov!.isps!), ['AS3320=3']);
  const chat = months(report('--format', 'json'), 'chat.example.org');
  assert.deepEqual(chat.map((m) => [m.month, m.uniqueVisitors.count, brief(m.isps!)]), [['2026-10', 1, ['AS2856=1']], ['2026-11', 1, ['?=1']]]);
  // Without --asn-mmdb the key is the name.
  assert.equal(chat[0]!.isps![0]!.name, 'AS2856');
});

test('--min-count treats the ISPs as one more partition of the unique visitors', () => {
  const [oct, nov] = months(report('--format', 'json', '--min-count', '2'), 'example.com');
  assert.equal(oct!.uniqueVisitors.count, 3);
  assert.deepEqual(brief(oct!.isps!), ['?=below-min-count', 'AS3320=below-min-count', 'AS8447=below-min-count']);
  assert.deepEqual(brief(nov!.isps!), ['AS3320=3']);
  // k = 3: November's three clients, each <3, add up to the total 3 only if each is 1: the total is
  // withheld, and so is every single figure that equals it — the ISP AS3320 too, else it would give
  // the total away (it is a partition of the unique visitors, like the clients and the countries).
  const [, nov3] = months(report('--format', 'json', '--min-count', '3'), 'example.com');
  assert.equal(nov3!.uniqueVisitors.count, null);
  assert.deepEqual(brief(nov3!.clients), ['ANDROID=below-min-count', 'DESKTOP=below-min-count', 'IOS=below-min-count']);
  assert.deepEqual(brief(nov3!.countries), ['DE=complementary']);
  assert.deepEqual(brief(nov3!.isps!), ['AS3320=complementary']);
});

test('csv and prometheus: an ISP dimension; a hostile organisation name is neutralised and escaped', () => {
  const rows: string[][] = parseCsv(report('--format', 'csv', '--asn-mmdb', HOSTILE_ASN));
  const isp = rows.filter((r) => r[2] === 'isp' && r[0] === 'example.com' && r[1] === '2026-11');
  assert.deepEqual(isp, [['example.com', '2026-11', 'isp', 'AS3320', `'${HOSTILE}`, '3']]);
  const families = parsePrometheus(report('--format', 'prometheus', '--asn-mmdb', HOSTILE_ASN));
  const byIsp = families.find((f) => f.name === 'monthly_visitors_users_by_isp')!;
  const m = byIsp.metrics.find((x) => x.labels!.host === 'example.com' && x.labels!.month === '2026-11');
  assert.deepEqual(m, { value: '3', labels: { host: 'example.com', month: '2026-11', isp: 'AS3320', isp_name: HOSTILE } });
});

test('table: "by isp" per month, control characters of a name stripped', () => {
  const text = report('--asn-mmdb', HOSTILE_ASN, '--host', 'example.com', '--from', '2026-11');
  assert.match(text, /\n {4}by isp\n {6}=HYPERLINK\("x"\)<script>alert\(1\)<\/script>"q"\\.* \[AS3320\] +3\n/);
  assert.ok(!text.includes('\x1b'));
});

test('html: ISP shares over the months and an ISP table, every name escaped', (t) => {
  const dir = tempDir();
  const html = join(dir, 'report.html');
  const r = runCli(['report', '--data-dir', DATA, '--format', 'html', '--asn-mmdb', HOSTILE_ASN, '--output', html]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(html, 'utf8');
  assert.ok(text.includes("<h3>ISPs, share of each month's visitors</h3>"));
  assert.equal((text.match(/<table class="cells isp">/g) ?? []).length, 4, 'an ISP table per host and month');
  assert.ok(!/<script/i.test(text));
  assert.ok(!text.includes('\x1b'));
  if (chromiumSkip) return t.skip(chromiumSkip);
  const dom = dumpDom(html);
  assert.equal(dom.code, 0, dom.stderr);
  assert.equal((dom.stdout.match(/<script/g) ?? []).length, 0, 'no script element came out of the database');
  assert.ok(dom.stdout.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the hostile name is text');
});

test('a store in the module\'s layout has no ISP dimension in any format', () => {
  const data = join(ROOT, 'fixtures', 'prosody-0.12-p1', 'data');
  const r = runCli(['report', '--data-dir', data, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).hosts.every((h: { months: JsonMonth[] }) => h.months.every((m) => !('isps' in m))));
  const csv = runCli(['report', '--data-dir', data, '--format', 'csv']);
  assert.ok(!/,isp,/.test(csv.stdout));
});
