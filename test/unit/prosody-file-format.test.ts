import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import { TimeZone } from '../../src/time/zone.js';
import { fixture } from '../helpers/paths.js';
import { parseText } from '../helpers/parse-lines.js';

interface Attempt {
  host: string | null;
  user: string | null;
  source_ip: string;
  outcome: string;
  resource_bound?: string;
  bind_month?: string;
  events: { bind?: string; auth?: string };
}

const manifest = JSON.parse(readFileSync(fixture('prosody-0.12-p1', 'manifest.json'), 'utf8')) as { attempts: Attempt[] };
const debugLog = readFileSync(fixture('prosody-0.12-p1', 'prosody.debug.log'));
const infoLog = readFileSync(fixture('prosody-0.12-p1', 'prosody.info.log'));

test('debug log: one login per Resource bound line, matching what the client did (manifest)', () => {
  const { events, unparsable, notices } = parseText(prosodyFileFormat, debugLog, { firstYear: 2026 });
  // The real module raised inside the bind for two attempts (IPv6, unmapped IP): no Resource bound line.
  const bound = manifest.attempts
    .filter((a) => a.outcome === 'bound')
    .sort((a, b) => a.events.bind!.localeCompare(b.events.bind!)); // interleaved sessions bind out of seq order
  assert.equal(events.length, bound.length);
  bound.forEach((a, i) => {
    const e = events[i];
    assert.equal(e.host, a.host);
    assert.equal(e.user, a.user!.toLowerCase());
    assert.equal(e.ip, a.source_ip);
    assert.equal(e.resource, a.resource_bound);
    assert.equal(e.month, a.bind_month);
    // The client took its bind timestamp just before the server logged the bind (whole seconds).
    const clientBind = Date.parse(`${a.events.bind}Z`);
    assert.ok(e.time <= clientBind + 1000 && e.time >= clientBind - 1000, `${e.localTime} vs ${a.events.bind}`);
    assert.match(e.localTime, /^2026-09-03T09:00:\d\d\+00:00$/);
  });
  assert.equal(unparsable, 0);
  assert.deepEqual(notices, []);
});

test('info log: each authenticated session is a login, with the IP of mod_log_auth and no resource', () => {
  const { events, notices, unparsable } = parseText(prosodyFileFormat, infoLog, { firstYear: 2026 });
  const authenticated = manifest.attempts
    .filter((a) => ['bound', 'bind-no-reply', 'auth-ok-no-bind'].includes(a.outcome))
    .sort((a, b) => a.events.auth!.localeCompare(b.events.auth!));
  assert.equal(events.length, authenticated.length);
  authenticated.forEach((a, i) => {
    assert.equal(events[i].user, a.user!.toLowerCase());
    assert.equal(events[i].host, a.host);
    assert.equal(events[i].ip, a.source_ip);
    assert.equal(events[i].resource, null);
  });
  assert.deepEqual(notices, ['prosody-info-level']);
  assert.equal(unparsable, 0);
});

test('chunk boundaries anywhere give the same events', () => {
  const whole = parseText(prosodyFileFormat, debugLog, { firstYear: 2026 }).events;
  for (const size of [1, 7, 100, 4096]) {
    assert.deepEqual(parseText(prosodyFileFormat, debugLog, { firstYear: 2026, chunkSize: size }).events, whole);
  }
});

test('garbage, truncated and binary lines are counted as unparsable and the run goes on', () => {
  const text = [
    'Sep 03 09:00:00 connA\tdebug\tNew connection FD 15 (10.0.0.1, 1, 127.0.0.1, 5222) on server',
    'Sep 03 09:00:00 c2s1\tinfo\tClient connected',
    'complete garbage',
    'Sep 03 09:0',
    '\u0000\u0001\u00ff binary',
    'Sep 03 09:00:01 c2s1\tdebug\tResource bound: bob@example.com/phone',
    'Sep 03 09:00:01 c2s1\tinfo', // truncated: no message
  ].join('\n');
  const { events, unparsable, lines } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
  assert.equal(lines, 7);
  assert.equal(unparsable, 4);
  assert.equal(events.length, 1);
  assert.equal(events[0].ip, '10.0.0.1');
});

test('New Year: December → January advances the year; --year sets the first line', () => {
  const text = [
    'Dec 31 23:59:59 c2s1\tinfo\tClient connected',
    'Dec 31 23:59:59 c2s1\tdebug\tResource bound: a@example.com/r',
    'Jan 01 00:00:01 c2s2\tinfo\tClient connected',
    'Jan 01 00:00:01 c2s2\tdebug\tResource bound: a@example.com/r',
  ].join('\n');
  const { events } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
  assert.deepEqual(events.map((e) => e.month), ['2026-12', '2027-01']);
  // Inferred from the file's date: the latest year not after the mtime (+1 day).
  const inferred = parseText(prosodyFileFormat, text, { referenceMs: Date.UTC(2027, 0, 1, 0, 0, 5) }).events;
  assert.deepEqual(inferred.map((e) => e.month), ['2026-12', '2027-01']);
  const later = parseText(prosodyFileFormat, text, { referenceMs: Date.UTC(2027, 5, 1) }).events;
  assert.deepEqual(later.map((e) => e.month), ['2026-12', '2027-01']);
});

test('months follow the wall clock; --month-timezone moves them; offsets in localTime', () => {
  const text = ['Oct 31 23:30:00 c2s1\tinfo\tClient connected', 'Oct 31 23:30:00 c2s1\tdebug\tResource bound: a@example.com/r'].join('\n');
  const berlin = TimeZone.of('Europe/Berlin');
  const wall = parseText(prosodyFileFormat, text, { firstYear: 2026, zone: berlin }).events[0];
  assert.equal(wall.month, '2026-10');
  assert.equal(wall.localTime, '2026-10-31T23:30:00+01:00');
  assert.equal(wall.time, Date.UTC(2026, 9, 31, 22, 30));
  const utcMonths = parseText(prosodyFileFormat, text, { firstYear: 2026, zone: TimeZone.of('Asia/Tokyo'), monthZone: TimeZone.of('UTC') }).events[0];
  assert.equal(utcMonths.month, '2026-10'); // 23:30 Tokyo is 14:30 UTC
  const ny = parseText(prosodyFileFormat, text.replace('Oct 31 23:30', 'Nov 01 00:30'), {
    firstYear: 2026,
    zone: TimeZone.of('Europe/Berlin'),
    monthZone: TimeZone.of('America/New_York'),
  }).events[0];
  assert.equal(ny.month, '2026-10'); // 00:30 in Berlin on Nov 1 is still October in New York
});

test('names are normalised like the server does; resources keep their case; Prosody 13 roles are cut', () => {
  const text = [
    'Sep 03 09:00:00 c2s1\tinfo\tClient connected',
    'Sep 03 09:00:00 c2s1\tdebug\tResource bound: Bob.Smith@Example.COM/My Phone/with@odd',
    'Sep 03 09:00:00 c2s2\tinfo\tClient connected',
    'Sep 03 09:00:00 c2s2\tdebug\tResource bound: ｄａｖｅ@example.com/ｚｏｍ7',
  ].join('\n');
  const { events } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
  assert.deepEqual(
    events.map((e) => [e.user, e.host, e.resource]),
    [
      ['bob.smith', 'example.com', 'My Phone/with@odd'],
      ['dave', 'example.com', 'zom7'],
    ],
  );
  const info = [
    'Sep 03 09:00:00 c2s1\tinfo\tClient connected',
    'Sep 03 09:00:00 c2s1\tinfo\tAuthenticated as alice@example.com [prosody:registered]',
    'Sep 03 09:00:00 c2s1\tinfo\tClient disconnected: connection closed',
  ].join('\n');
  const infoEvents = parseText(prosodyFileFormat, info, { firstYear: 2026 }).events;
  assert.deepEqual(infoEvents.map((e) => [e.user, e.host, e.ip]), [['alice', 'example.com', null]]);
});

test('a session that never binds leaves no login and no state behind at debug level', () => {
  const text = [
    'Sep 03 09:00:00 stats\tdebug\tStatistics disabled',
    'Sep 03 09:00:00 c2s1\tinfo\tClient connected',
    'Sep 03 09:00:00 c2s1\tinfo\tAuthenticated as frank@example.com',
    'Sep 03 09:00:00 c2s1\tinfo\tSuccessful authentication as frank@example.com from IP: 127.0.1.60',
    'Sep 03 09:00:01 c2s1\tinfo\tClient disconnected: connection closed',
  ].join('\n');
  assert.deepEqual(parseText(prosodyFileFormat, text, { firstYear: 2026 }).events, []);
});

test('detect: recognises the file sink, not other text', () => {
  assert.ok(prosodyFileFormat.detect(['Sep 03 08:59:59 startup\tinfo\tHello and welcome to Prosody version 0.12.3']));
  assert.ok(!prosodyFileFormat.detect(['2026-09-03 09:00:00.000000+00:00 [info] <0.1.0>@x:y/1:2 hello']));
});
