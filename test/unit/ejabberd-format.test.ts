import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ejabberdFormat } from '../../src/sources/ejabberd/ejabberd-format.js';
import { normalizeName, normalizeResource } from '../../src/core/normalize.js';
import { fixture } from '../helpers/paths.js';
import { parseText } from '../helpers/parse-lines.js';

interface Attempt {
  seq: number;
  source_ip: string;
  bound_jid: string | null;
  events: { bind?: string };
}
interface Manifest {
  hide_sensitive_log_data: boolean;
  logins_expected: Array<{ seq: number; line: string }>;
  attempts: Attempt[];
}

const CAPTURES = ['info-ipv4', 'ipv6-dualstack', 'hidden', 'tz-offset', 'debug'];
const unmapped = (ip: string) => ip.replace(/^::ffff:(?=\d+\.)/, '');

for (const name of CAPTURES) {
  test(`ejabberd 23.01 ${name}: one login per real Opened line, matching what the client did`, () => {
    const manifest = JSON.parse(readFileSync(fixture('ejabberd-23.01', name, 'manifest.json'), 'utf8')) as Manifest;
    const log = readFileSync(fixture('ejabberd-23.01', name, 'ejabberd.log'));
    const { events, unparsable } = parseText(ejabberdFormat, log);
    const text = log.toString('utf8');
    const expected = [...manifest.logins_expected]
      .sort((x, y) => text.indexOf(x.line) - text.indexOf(y.line)) // interleaved sessions open out of seq order
      .map((l) => manifest.attempts.find((a) => a.seq === l.seq)!);
    assert.equal(events.length, expected.length);
    expected.forEach((a, i) => {
      const e = events[i];
      // The JID the server bound, normalised as its stringprep does (case, NFKC, B.1).
      const jid = a.bound_jid!;
      const at = jid.indexOf('@');
      const slash = jid.indexOf('/', at);
      assert.equal(e.user, normalizeName(jid.slice(0, at)), `seq ${a.seq}`);
      assert.equal(e.host, normalizeName(jid.slice(at + 1, slash)), `seq ${a.seq}`);
      assert.equal(e.resource, normalizeResource(jid.slice(slash + 1)), `seq ${a.seq}`);
      if (manifest.hide_sensitive_log_data) assert.equal(e.ip, null);
      else assert.equal(unmapped(e.ip!), unmapped(a.source_ip), `seq ${a.seq}`);
      const clientBind = Date.parse(a.events.bind!);
      assert.ok(Math.abs(e.time - clientBind) < 1000, `seq ${a.seq}: ${e.localTime} vs ${a.events.bind}`);
    });
    assert.equal(unparsable, 0);
  });
}

test('the log offset is kept: +05:30 lines are 5½ hours ahead of UTC', () => {
  const log = readFileSync(fixture('ejabberd-23.01', 'tz-offset', 'ejabberd.log'));
  const [first] = parseText(ejabberdFormat, log).events;
  assert.match(first.localTime, /\+05:30$/);
  const wall = Date.parse(`${first.localTime.slice(0, 23)}Z`);
  assert.equal(wall - first.time, 5.5 * 3600_000);
});

test('forged login lines (a login name with a newline) are not logins', () => {
  const forged = [
    '2026-11-25 12:21:18.000000+00:00 [warning] <0.520.0>@ejabberd_c2s:process_auth_result/3:280 (tcp|<0.520.0>) Failed c2s PLAIN authentication for x',
    '2026-11-25 12:21:15.245376+00:00 [info] <0.999.0> (tcp|<0.999.0>) Opened c2s session for mallory@example.com/Gajim from 127.0.7.72: Invalid username or password',
  ].join('\n');
  assert.deepEqual(parseText(ejabberdFormat, forged).events, []);
});

test('stringprep: soft hyphens vanish, fullwidth folds, case folds', () => {
  const line =
    '2026-11-25 12:21:21.882000+00:00 [info] <0.5.0>@ejabberd_c2s:bind/2:450 (tcp|<0.5.0>) Opened c2s session for ALI\u00adCE@ｅxample.COM/Gaj\u00adim';
  const [e] = parseText(ejabberdFormat, line).events;
  assert.deepEqual([e.user, e.host, e.resource], ['alice', 'example.com', 'Gajim']);
});

test('detect: ejabberd lines, not Prosody lines', () => {
  assert.ok(ejabberdFormat.detect(['2026-11-25 12:21:15.221379+00:00 [info] <0.334.0>@ejabberd_listener:accept/7:273 (<0.512.0>) Accepted connection 127.0.9.99:59715 -> 127.0.0.1:5222']));
  assert.ok(!ejabberdFormat.detect(['Sep 03 08:59:59 startup\tinfo\tHello and welcome to Prosody version 0.12.3']));
});

test('a line in the minute of a valid one still has its seconds, fraction and offset checked; an invalid minute is never taken for known', () => {
  const opened = (stamp: string) => `${stamp} [info] <0.515.0>@ejabberd_c2s:handle_auth_success/4:425 (tcp|<0.515.0>) Opened c2s session for alice@example.com/r`;
  const good = opened('2026-11-25 12:24:14.322405+00:00');
  for (const bad of ['2026-11-25 12:24:61.322405+00:00', '2026-11-25 12:24:14+00:00', '2026-11-25 12:24:14.3224+0000', '2026-11-25 12:24:14.32-25:00', '2026-11-25 12:24-14.322405+00:00']) {
    const r = parseText(ejabberdFormat, `${good}\n${opened(bad)}\n${good}\n`);
    assert.equal(r.events.length, 2, bad);
    assert.equal(r.unparsable, 1, bad);
  }
  // The same bad minute twice: the second is no more valid than the first.
  const month13 = opened('2026-13-25 12:24:14.322405+00:00');
  const r = parseText(ejabberdFormat, `${good}\n${month13}\n${month13}\n`);
  assert.equal(r.events.length, 1);
  assert.equal(r.unparsable, 2);
});
