import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MonthlyTally, type HostRecord, type StatsView } from '../../src/core/monthly-tally.js';
import { ClientClassifier } from '../../src/core/client-classifier.js';
import { CountryFilter } from '../../src/core/country-filter.js';
import { LuaPattern } from '../../src/core/lua-pattern/index.js';
import type { GeoPlace } from '../../src/core/geo-key.js';
import type { LoginEvent } from '../../src/core/login-event.js';

/** An in-memory store: what the tally sees of the data dir. */
function memoryView(lastRecorded: Record<string, string> = {}): StatsView & { records: Map<string, HostRecord> } {
  const records = new Map<string, HostRecord>();
  return {
    records,
    hostRecord(host) {
      let r = records.get(host);
      if (!r) records.set(host, (r = new Map()));
      return r;
    },
    lastRecorded: (host, user) => lastRecorded[`${user}@${host}`],
  };
}

const PLACES: Record<string, GeoPlace> = {
  '1.1.1.1': { country: 'DE', subdivision: 'HE', city: 2925533 },
  '2.2.2.2': { country: 'FR', subdivision: 'IDF' },
  '3.3.3.3': { country: 'CN' },
  '2001:db8::1': { country: 'JP', subdivision: '13', city: 1850147 },
};

const classifier = new ClientClassifier([
  { pattern: LuaPattern.compile('^Conversations%..*'), category: 'ANDROID' },
  { pattern: LuaPattern.compile('^Zom%-.*'), category: 'IOS' },
  { pattern: LuaPattern.compile('^Zom'), category: 'OTHER' }, // later and broader: loses to IOS on "Zom-…"
]);

function tally(view: StatsView, countries = CountryFilter.ALL) {
  return new MonthlyTally(view, () => ({ classifier, countries }), (ip) => (ip === null ? null : PLACES[ip] ?? null));
}

let line = 0;
function login(user: string, month: string, ip: string | null, resource: string | null, host = 'example.com'): LoginEvent {
  line++;
  return { time: line, month, host, user, ip, resource, source: `t:${line}`, localTime: '' };
}

const counts = (view: ReturnType<typeof memoryView>, host = 'example.com') =>
  Object.fromEntries([...(view.records.get(host) ?? new Map())].map(([m, c]) => [m, Object.fromEntries([...c].sort())]));

test('first login of a month counts client and place once; a repeat does not', () => {
  const view = memoryView();
  const t = tally(view);
  assert.equal(t.record(login('alice', '2026-09', '1.1.1.1', 'Zom-iPhone')), 'counted');
  assert.equal(t.record(login('alice', '2026-09', '2.2.2.2', 'Conversations.x')), 'already-counted');
  assert.equal(t.record(login('alice', '2026-10', '2.2.2.2', 'Conversations.x')), 'counted');
  assert.deepEqual(counts(view), {
    '2026-09': { 'client-IOS': 1, 'geo-DE-HE-2925533': 1 },
    '2026-10': { 'client-ANDROID': 1, 'geo-FR-IDF-?': 1 },
  });
  assert.deepEqual(Object.fromEntries(t.takeChanges().users.get('example.com')!), { alice: '2026-10' });
});

test('first matching pattern in written order wins; no match and no resource are "?"', () => {
  const view = memoryView();
  const t = tally(view);
  t.record(login('a', '2026-09', '1.1.1.1', 'Zom-x'));
  t.record(login('b', '2026-09', '1.1.1.1', 'Zomething'));
  t.record(login('c', '2026-09', '1.1.1.1', 'Gajim'));
  t.record(login('d', '2026-09', '1.1.1.1', null));
  assert.deepEqual(counts(view)['2026-09'], { 'client-?': 2, 'client-IOS': 1, 'client-OTHER': 1, 'geo-DE-HE-2925533': 4 });
});

test('unknown parts are "?", addresses without a record or no address are ?-?-?, IPv6 is looked up', () => {
  const view = memoryView();
  const t = tally(view);
  t.record(login('a', '2026-09', '3.3.3.3', null));
  t.record(login('b', '2026-09', '9.9.9.9', null));
  t.record(login('c', '2026-09', null, null));
  t.record(login('d', '2026-09', '2001:db8::1', null));
  assert.deepEqual(counts(view)['2026-09'], { 'client-?': 4, 'geo-?-?-?': 2, 'geo-CN-?-?': 1, 'geo-JP-13-1850147': 1 });
});

test('country filter: a filtered login leaves the user unmarked, so a later one that month counts', () => {
  const view = memoryView();
  const t = tally(view, CountryFilter.only(['DE']));
  assert.equal(t.record(login('émile', '2026-09', '2.2.2.2', 'Zom-x')), 'filtered');
  assert.equal(t.record(login('émile', '2026-09', '9.9.9.9', 'Zom-x')), 'filtered'); // unknown country
  assert.equal(t.record(login('émile', '2026-09', '1.1.1.1', 'Conversations.y')), 'counted');
  assert.deepEqual(counts(view)['2026-09'], { 'client-ANDROID': 1, 'geo-DE-HE-2925533': 1 });
});

test('the same-month skip comes before the country filter', () => {
  const view = memoryView({ 'bob@example.com': '2026-09' });
  const t = tally(view, CountryFilter.only(['DE']));
  assert.equal(t.record(login('bob', '2026-09', '2.2.2.2', null)), 'already-counted');
});

test('a login older than the stored month is late and not counted', () => {
  const view = memoryView({ 'bob@example.com': '2026-10' });
  const t = tally(view);
  assert.equal(t.record(login('bob', '2026-09', '1.1.1.1', null)), 'late');
  assert.equal(t.record(login('bob', '2026-10', '1.1.1.1', null)), 'already-counted');
  assert.equal(t.record(login('bob', '2026-11', '1.1.1.1', null)), 'counted');
  assert.deepEqual(counts(view), { '2026-11': { 'client-?': 1, 'geo-DE-HE-2925533': 1 } });
});

test('hosts count separately: the same username on two hosts is two users', () => {
  const view = memoryView();
  const t = tally(view);
  t.record(login('alice', '2026-09', '1.1.1.1', null, 'example.com'));
  assert.equal(t.record(login('alice', '2026-09', '1.1.1.1', null, 'chat.example.org')), 'counted');
  const changes = t.takeChanges();
  assert.deepEqual([...changes.hosts.keys()].sort(), ['chat.example.org', 'example.com']);
});

test('existing counts are incremented, not replaced', () => {
  const view = memoryView();
  view.hostRecord('example.com').set('2026-09', new Map([['client-IOS', 5], ['geo-DE-HE-2925533', 5]]));
  tally(view).record(login('new', '2026-09', '1.1.1.1', 'Zom-1'));
  assert.deepEqual(counts(view)['2026-09'], { 'client-IOS': 6, 'geo-DE-HE-2925533': 6 });
});

test('a name the store cannot hold is skipped on every login, a storable one is counted once', () => {
  const view = { ...memoryView(), storable: (_host: string, user: string) => user !== 'toolong' };
  const t = tally(view);
  assert.equal(t.record(login('toolong', '2026-09', '1.1.1.1', null)), 'unstorable');
  assert.equal(t.record(login('toolong', '2026-09', '1.1.1.1', null)), 'unstorable');
  assert.equal(t.record(login('alice', '2026-09', '1.1.1.1', null)), 'counted');
  assert.equal(t.record(login('alice', '2026-09', '1.1.1.1', null)), 'already-counted');
  assert.equal(t.record(login('toolong', '2026-10', '1.1.1.1', null)), 'unstorable');
  assert.deepEqual(counts(view), { '2026-09': { 'client-?': 1, 'geo-DE-HE-2925533': 1 } });
});

test('after takeChanges the host record is read again: a store may hand out a new one after its commit', () => {
  // SQL storage reads its records again under the hosts' locks, so the next batch has new objects.
  const view = memoryView({ 'alice@example.com': '2026-09' });
  const t = tally(view);
  assert.equal(t.record(login('bob', '2026-09', '1.1.1.1', null)), 'counted');
  const first = t.takeChanges();
  const reread: HostRecord = new Map([['2026-09', new Map([['client-?', 1], ['geo-DE-HE-2925533', 1]])]]);
  view.records.set('example.com', reread);
  assert.equal(t.record(login('carol', '2026-09', '1.1.1.1', null)), 'counted');
  // bob's mark went with the first batch; the store now says where he is (its view, not the tally).
  assert.equal(t.record(login('alice', '2026-09', '2.2.2.2', null)), 'already-counted');
  const second = t.takeChanges();
  assert.equal(second.hosts.get('example.com'), reread);
  assert.notEqual(first.hosts.get('example.com'), reread);
  assert.deepEqual(counts(view)['2026-09'], { 'client-?': 2, 'geo-DE-HE-2925533': 2 });
  assert.deepEqual(Object.fromEntries(second.users.get('example.com')!), { carol: '2026-09' });
});
