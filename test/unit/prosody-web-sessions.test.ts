import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import { prosodySyslogFormat } from '../../src/sources/prosody/prosody-syslog-format.js';
import { isRoutableAddress } from '../../src/core/address-scope.js';
import { parseText } from '../helpers/parse-lines.js';

// Lines from fixtures/prosody-0.12-web/prosody.debug.log (real Prosody 0.12.3), cut down to what matters
// and kept in order; `SID` sessions are BOSH through nginx (requests from 127.0.0.1).
const SID = 'bosh43fe8a12-2ca2-4056-a120-631b2c1f3bce';
const BOSH_PROXIED = `Sep 10 10:00:00 connkDBOQDWPiRaL	debug	New connection FD 14 (127.0.0.1, 33852, 127.0.0.1, 15280) on server FD 11 (127.0.0.1, 15280)
Sep 10 10:00:00 connkDBOQDWPiRaL	debug	Connected (FD 14 (127.0.0.1, 33852, 127.0.0.1, 15280))
Sep 10 10:00:00 http.server	debug	Firing event: POST /http-bind
Sep 10 10:00:00 mod_bosh	debug	Handling new request table: 0x56007b36cdd0: <body content='text/xml; charset=utf-8' hold='1' rid='1004568' to='example.com' ver='1.6' wait='10'/>
----------
Sep 10 10:00:00 mod_bosh	debug	BOSH body open (sid: <none>)
Sep 10 10:00:00 ${SID}	debug	BOSH session created for request from 127.0.2.12
Sep 10 10:00:00 mod_bosh	info	New BOSH session, assigned it sid '43fe8a12-2ca2-4056-a120-631b2c1f3bce'
Sep 10 10:00:00 connkDBOQDWPiRaL	debug	Closing now
Sep 10 10:00:00 connoixzaeNM53eR	debug	New connection FD 14 (127.0.0.1, 33854, 127.0.0.1, 15280) on server FD 11 (127.0.0.1, 15280)
Sep 10 10:00:00 mod_bosh	debug	BOSH stanza received: <auth mechanism='PLAIN' xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>

Sep 10 10:00:00 ${SID}	info	Authenticated as bob@example.com
Sep 10 10:00:00 ${SID}	info	Successful authentication as bob@example.com from IP: 127.0.2.12
Sep 10 10:00:00 connoixzaeNM53eR	debug	Closing now
Sep 10 10:00:00 ${SID}	debug	Resource bound: bob@example.com/zom5-web
Sep 10 10:00:00 ${SID}	info	BOSH client disconnected: session close
`;

test('BOSH: the session is its bosh<sid> source, its address the one BOSH session created names, never a request\'s peer', () => {
  const withoutLogAuth = BOSH_PROXIED.split('\n').filter((l) => !l.includes('Successful authentication')).join('\n');
  for (const text of [BOSH_PROXIED, withoutLogAuth]) {
    const { events, unparsable } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
    assert.equal(unparsable, 0); // `----------` and the empty line are mod_bosh's own
    assert.equal(events.length, 1);
    const [e] = events;
    assert.deepEqual([e!.user, e!.host, e!.ip, e!.resource, e!.transport, e!.proxyOnly], ['bob', 'example.com', '127.0.2.12', 'zom5-web', 'bosh', false]);
  }
});

test('BOSH at info level: the authentication is the login, with mod_log_auth\'s address', () => {
  const info = BOSH_PROXIED.split('\n').filter((l) => /\tinfo\t/.test(l)).join('\n');
  const { events, notices } = parseText(prosodyFileFormat, info, { firstYear: 2026 });
  assert.deepEqual(
    events.map((e) => [e.user, e.host, e.ip, e.resource, e.transport]),
    [['bob', 'example.com', '127.0.2.12', null, 'bosh']],
  );
  assert.ok(notices.includes('prosody-info-level'));
});

test('BOSH: a session that never binds ends at Destroying unbound session; a Traceback[bosh] and its stack are not unparsable', () => {
  const text = `Sep 10 10:00:03 bosh0eb5a4c5-8bc9-441d-bc96-11451e9dc6f0	debug	BOSH session created for request from 127.0.7.20
Sep 10 10:00:03 bosh0eb5a4c5-8bc9-441d-bc96-11451e9dc6f0	info	Authenticated as grace@example.com
Sep 10 10:00:13 bosh0eb5a4c5-8bc9-441d-bc96-11451e9dc6f0	debug	Destroying unbound session for <grace@example.com>: BOSH client silent for over 10 seconds
Sep 10 10:00:14 mod_bosh	error	Traceback[bosh]: /usr/lib/prosody/modules/mod_bosh.lua:1: oops
stack traceback:
[C]: in function 'error'
Sep 10 10:00:15 bosh0eb5a4c5-8bc9-441d-bc96-11451e9dc6f0	debug	Resource bound: grace@example.com/late
`;
  const { events, unparsable } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
  assert.equal(unparsable, 0);
  assert.equal(events.length, 0); // the session had ended: a stray bind of its sid is no login of a known session
});

test('an unstamped line anywhere else is still unparsable', () => {
  const text = `Sep 10 10:00:00 mod_bosh	debug	BOSH body open (sid: <none>)
----------

Sep 10 10:00:00 mod_bosh	debug	BOSH stanza received: <presence/>

garbage after it is Prosody's (the request body may span lines)
Sep 10 10:00:01 c2s55cc08875190	info	Client connected
not Prosody's
`;
  assert.equal(parseText(prosodyFileFormat, text, { firstYear: 2026 }).unparsable, 2);
});

// A WebSocket through nginx: the TCP peer is nginx's 127.0.0.1; mod_log_auth has the forwarded address.
const WS_PROXIED = `Sep 10 10:00:01 connar0WJWcs_5yn	debug	New connection FD 14 (127.0.0.1, 46996, 127.0.0.1, 15280) on server FD 11 (127.0.0.1, 15280)
Sep 10 10:00:01 connar0WJWcs_5yn	debug	Connected (FD 14 (127.0.0.1, 46996, 127.0.0.1, 15280))
Sep 10 10:00:01 runner-5xtnz1in68I	debug	creating new coroutine
Sep 10 10:00:01 http.server	debug	Firing event: GET /xmpp-websocket
Sep 10 10:00:01 c2s56007b342b70	info	Client connected
Sep 10 10:00:01 c2s56007b342b70	debug	Sending WebSocket handshake
Sep 10 10:00:01 c2s56007b342b70	info	Authenticated as dave@example.com
Sep 10 10:00:01 c2s56007b342b70	info	Successful authentication as dave@example.com from IP: 127.0.5.15
Sep 10 10:00:01 c2s56007b342b70	debug	Resource bound: dave@example.com/converse.js-1
`;

test('WebSocket: the forwarded address of mod_log_auth wins over the connection\'s peer', () => {
  const { events } = parseText(prosodyFileFormat, WS_PROXIED, { firstYear: 2026 });
  assert.deepEqual(events.map((e) => [e.user, e.ip, e.resource, e.transport, e.proxyOnly]), [['dave', '127.0.5.15', 'converse.js-1', 'websocket', false]]);
});

test('WebSocket without mod_log_auth: a non-routable peer is the proxy\'s, so the login has no address and says so', () => {
  const text = WS_PROXIED.split('\n').filter((l) => !l.includes('Successful authentication')).join('\n');
  const { events } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
  assert.deepEqual(events.map((e) => [e.user, e.ip, e.transport, e.proxyOnly]), [['dave', null, 'websocket', true]]);
  // A routable peer is the user's own (a WebSocket client without a proxy).
  const direct = parseText(prosodyFileFormat, text.replaceAll('127.0.0.1, 46996', '81.2.69.160, 46996'), { firstYear: 2026 }).events;
  assert.deepEqual(direct.map((e) => [e.ip, e.proxyOnly]), [['81.2.69.160', false]]);
});

test('a c2s session does not take the peer of an HTTP request whose connection closed before it', () => {
  const text = `Sep 10 10:00:00 connkDBOQDWPiRaL	debug	New connection FD 14 (127.0.0.1, 33852, 127.0.0.1, 15280) on server FD 11 (127.0.0.1, 15280)
Sep 10 10:00:00 connkDBOQDWPiRaL	debug	Closing now
Sep 10 10:00:01 c2s55cc08875190	info	Client connected
Sep 10 10:00:01 c2s55cc08875190	debug	Resource bound: carol@example.com/x
`;
  const { events } = parseText(prosodyFileFormat, text, { firstYear: 2026 });
  assert.deepEqual(events.map((e) => [e.user, e.ip, e.transport]), [['carol', null, 'c2s']]);
});

test('BOSH through syslog: the same session logic', () => {
  const text = `2026-09-10T10:00:00.1+00:00 vm prosody[1]: ${SID}: BOSH session created for request from 127.0.2.12
2026-09-10T10:00:00.2+00:00 vm prosody[1]: ${SID}: Authenticated as bob@example.com
2026-09-10T10:00:00.3+00:00 vm prosody[1]: ${SID}: Resource bound: bob@example.com/zom5-web
`;
  const { events } = parseText(prosodySyslogFormat, text);
  assert.deepEqual(events.map((e) => [e.user, e.ip, e.resource, e.transport]), [['bob', '127.0.2.12', 'zom5-web', 'bosh']]);
});

test('routable addresses: loopback, private, CGNAT, link-local, ULA, unspecified, documentation and their ::ffff: forms are not', () => {
  const notRoutable = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255', '169.254.1.1',
    '0.0.0.0', '192.0.2.5', '198.51.100.7', '203.0.113.9', '::1', '::', 'fd12::1', 'fc00::1', 'fe80::1%eth0', '2001:db8::1', '::ffff:127.0.0.1',
    '::FFFF:10.0.0.1', 'not-an-ip', '?'];
  const routable = ['8.8.8.8', '81.2.69.160', '172.32.0.1', '100.128.0.1', '2a00:1450:4001::1', '::ffff:81.2.69.160', '2001:db9::1'];
  for (const a of notRoutable) assert.equal(isRoutableAddress(a), false, a);
  for (const a of routable) assert.equal(isRoutableAddress(a), true, a);
});
