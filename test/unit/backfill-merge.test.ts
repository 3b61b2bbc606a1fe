import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountedMonthsCollector, emptyStatsView, mergeBackfill, visitorsIn } from '../../src/core/backfill-merge.js';
import { MonthlyTally, type HostRecord, type StatsView } from '../../src/core/monthly-tally.js';
import { ClientClassifier } from '../../src/core/client-classifier.js';
import { CountryFilter } from '../../src/core/country-filter.js';
import type { LoginEvent } from '../../src/core/login-event.js';

const H = 'example.com';

/** A stored state: host records and marks, as plain objects. */
function storedView(months: Record<string, Record<string, number>>, marks: Record<string, string>): StatsView {
  const record: HostRecord = new Map(Object.entries(months).map(([m, c]) => [m, new Map(Object.entries(c))]));
  return {
    hostRecord: (host) => (host === H ? record : new Map()),
    lastRecorded: (host, user) => (host === H ? marks[user] : undefined),
  };
}

let n = 0;
function login(user: string, month: string, resource = 'x'): LoginEvent {
  n++;
  return { time: n, month, host: H, user, ip: null, resource, source: `t:${n}`, localTime: '' };
}

/** Runs logins through a fresh tally (every client is `?`, every place `?-?-?`), as backfill does. */
function fresh(logins: LoginEvent[]) {
  const view = emptyStatsView();
  const tally = new MonthlyTally(view, () => ({ classifier: new ClientClassifier([]), countries: CountryFilter.ALL }), () => null);
  const collector = new CountedMonthsCollector();
  for (const e of logins) collector.observe(e, tally.record(e), tally.previousMark);
  return { hosts: view.hosts, counted: collector.counted(tally.takeChanges().users) };
}

const plain = (r: HostRecord | undefined) => Object.fromEntries([...(r ?? new Map())].map(([m, c]) => [m, Object.fromEntries(c)]));
const one = { 'client-?': 1, 'geo-?-?-?': 1 };
const two = { 'client-?': 2, 'geo-?-?-?': 2 };

test('a month the store lacks is added; one it has is kept, and marks come only from added months', () => {
  // Stored: 2026-11 counted alice (from a tail run that started mid-month), her mark is 2026-11.
  const stored = storedView({ '2026-11': one }, { alice: '2026-11' });
  // The logs: alice and bob in October, bob and carol in November.
  const f = fresh([login('alice', '2026-10'), login('bob', '2026-10'), login('bob', '2026-11'), login('carol', '2026-11')]);
  const m = mergeBackfill(stored, f, { replace: false });
  assert.deepEqual(
    m.months.map((x) => [x.month, x.action, x.visitors, x.storedVisitors, x.differs]),
    [
      ['2026-10', 'add', 2, null, true],
      ['2026-11', 'keep', 2, 1, true],
    ],
  );
  assert.deepEqual(plain(m.changes.hosts.get(H)), { '2026-10': two, '2026-11': one });
  // alice keeps her later mark; bob gets October (November was not written); carol was counted
  // only in the kept month and stays unmarked, so a later tail run still counts her in November.
  assert.deepEqual(Object.fromEntries(m.changes.users.get(H)!), { bob: '2026-10' });
  assert.equal(m.marksRaised, 1);
});

test('--replace recomputes a stored month and marks its users; a later stored mark wins', () => {
  const stored = storedView({ '2026-10': { 'client-?': 5, 'geo-?-?-?': 5 } }, { alice: '2026-12', bob: '2026-09' });
  const f = fresh([login('alice', '2026-10'), login('bob', '2026-10')]);
  const m = mergeBackfill(stored, f, { replace: true });
  assert.deepEqual(m.months.map((x) => [x.month, x.action, x.visitors, x.storedVisitors]), [['2026-10', 'replace', 2, 5]]);
  assert.deepEqual(plain(m.changes.hosts.get(H)), { '2026-10': two });
  assert.deepEqual(Object.fromEntries(m.changes.users.get(H)!), { bob: '2026-10' });
});

test('merging the same backfill again changes nothing, with and without --replace', () => {
  const logins = [login('alice', '2026-10'), login('bob', '2026-10'), login('alice', '2026-11')];
  for (const replace of [false, true]) {
    const first = mergeBackfill(storedView({}, {}), fresh(logins), { replace });
    const marks = Object.fromEntries(first.changes.users.get(H)!);
    assert.deepEqual(marks, { alice: '2026-11', bob: '2026-10' });
    const again = mergeBackfill(storedView(plain(first.changes.hosts.get(H)), marks), fresh(logins), { replace });
    assert.deepEqual(again.months.map((x) => [x.action, x.differs]), [[replace ? 'replace' : 'keep', false], [replace ? 'replace' : 'keep', false]]);
    assert.equal(again.changes.users.size, 0);
    assert.equal(again.marksRaised, 0);
    if (replace) assert.deepEqual(plain(again.changes.hosts.get(H)), plain(first.changes.hosts.get(H)));
    else assert.equal(again.changes.hosts.size, 0);
  }
});

test('after a backfill of the current month, the module rule does not count its users twice', () => {
  const f = fresh([login('alice', '2026-11'), login('bob', '2026-11')]);
  const m = mergeBackfill(storedView({}, {}), f, { replace: false });
  const record = m.changes.hosts.get(H)!;
  const marks = m.changes.users.get(H)!;
  const view: StatsView = { hostRecord: () => record, lastRecorded: (_h, u) => marks.get(u) };
  const tail = new MonthlyTally(view, () => ({ classifier: new ClientClassifier([]), countries: CountryFilter.ALL }), () => null);
  assert.equal(tail.record(login('alice', '2026-11')), 'already-counted');
  assert.equal(tail.record(login('carol', '2026-11')), 'counted');
  assert.equal(visitorsIn(record.get('2026-11')!), 3);
});

test('a host whose logins were all filtered gets no record and no marks', () => {
  const view = emptyStatsView();
  view.hostRecord('muc.example.com'); // the tally reads the record before it filters
  const m = mergeBackfill(storedView({}, {}), { hosts: view.hosts, counted: { last: new Map(), earlier: new Map() } }, { replace: false });
  assert.deepEqual(m.months, []);
  assert.equal(m.changes.hosts.size, 0);
});

test('the stored mark of every backfilled user is read, even when nothing is written', () => {
  const asked: string[] = [];
  const stored: StatsView = {
    hostRecord: () => new Map([['2026-10', new Map(Object.entries(one))]]),
    lastRecorded: (_h, user) => {
      asked.push(user);
      return undefined;
    },
  };
  mergeBackfill(stored, fresh([login('alice', '2026-10')]), { replace: false });
  assert.deepEqual(asked, ['alice']);
});

test('visitors are the client counts, or the fork counters whose path is exactly <geo>\\0users_seen', () => {
  assert.equal(visitorsIn(new Map([['client-?', 2], ['client-IOS', 3], ['geo-?-?-?', 5], ['clientX', 7]])), 5);
  const fork = new Map([
    ['DE-HE-1\u0000users_seen', 2],
    ['?-?-?\u0000users_seen', 1],
    ['DE-HE-1\u0000clients_seen\u0000users_seen', 10],
    ['DE-HE-1\u0000isps_seen\u0000AS1', 20],
    ['DE-HE-1\u0000users_seenX', 40],
    ['DE-HE-1\u0000xusers_seen', 80],
  ]);
  assert.equal(visitorsIn(fork), 3);
});

test('a user counted in several months is marked with the latest written one', () => {
  // Stored: October (kept); the logs: alice in September, October and November, bob in October only.
  const stored = storedView({ '2026-10': one }, {});
  const f = fresh([login('alice', '2026-09'), login('alice', '2026-10'), login('bob', '2026-10'), login('alice', '2026-11')]);
  assert.deepEqual(Object.fromEntries(mergeBackfill(stored, f, { replace: false }).changes.users.get(H)!), { alice: '2026-11' });
  const g = fresh([login('alice', '2026-09'), login('alice', '2026-10'), login('bob', '2026-10')]);
  assert.deepEqual(Object.fromEntries(mergeBackfill(stored, g, { replace: false }).changes.users.get(H)!), { alice: '2026-09' });
  assert.deepEqual(Object.fromEntries(mergeBackfill(stored, g, { replace: true }).changes.users.get(H)!), { alice: '2026-10', bob: '2026-10' });
});
