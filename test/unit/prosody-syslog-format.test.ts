import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import { prosodySyslogFormat } from '../../src/sources/prosody/prosody-syslog-format.js';
import { detectFormat } from '../../src/sources/formats.js';
import { prosodyJournalJsonFormat } from '../../src/sources/prosody/prosody-journal-json-format.js';
import { fixture } from '../helpers/paths.js';
import { parseText } from '../helpers/parse-lines.js';
import type { LoginEvent } from '../../src/core/login-event.js';

// One real Prosody 0.12.3 run logging to a debug file sink and to rsyslog at once
// (fixtures/prosody-0.12-syslog/README.md).
const read = (name: string) => readFileSync(fixture('prosody-0.12-syslog', name));
const key = (e: LoginEvent) => [Math.floor(e.time / 1000), e.month, e.host, e.user, e.ip, e.resource];

const fileSink = parseText(prosodyFileFormat, read('prosody.debug.log'), { firstYear: 2026 }).events;

for (const name of ['syslog.rfc3339.log', 'syslog.traditional.log', 'syslog.severity.log']) {
  test(`${name}: the same logins as the file sink of the same run`, () => {
    const sample = read(name).toString('utf8').split('\n').slice(0, 50);
    assert.equal(detectFormat(name, sample), prosodySyslogFormat);
    const { events, unparsable } = parseText(prosodySyslogFormat, read(name), { firstYear: 2026 });
    assert.equal(fileSink.length, 14);
    assert.deepEqual(events.map(key), fileSink.map(key));
    assert.equal(unparsable, 0);
  });
}

test('an injected "Resource bound" inside a stanza (#012 in syslog) is not a login', () => {
  const events = parseText(prosodySyslogFormat, read('syslog.rfc3339.log')).events;
  assert.ok(!events.some((e) => e.user === 'mallory'));
});

// journalctl's short-iso form and the systemd *stdout sink, made from the real lines above by
// changing only the prefix as SPEC §4 describes them (no journald runs on these machines).
test('journalctl -o short-iso and the *stdout sink under systemd', () => {
  const lines = [
    '2026-10-31T23:59:48+0000 vm prosody[12801]: c2s55da5159d2d0: Client connected',
    '2026-10-31T23:59:48+0000 vm prosody[12801]: c2s55da5159d2d0: Successful authentication as alice@example.com from IP: 127.0.1.10',
    '2026-10-31T23:59:48+0000 vm prosody[12801]: c2s55da5159d2d0: Resource bound: alice@example.com/Zom-iPhone',
    '2026-10-31T23:59:49+0000 vm prosody[12801]: c2s55da5159d2e0     info\tClient connected',
    '2026-10-31T23:59:49+0000 vm prosody[12801]: c2s55da5159d2e0     debug\tResource bound: bob@example.com/Gajim',
    '2026-10-31T23:59:50+0000 vm CRON[4242]: (root) CMD (true)',
  ].join('\n');
  const { events, unparsable } = parseText(prosodySyslogFormat, lines);
  assert.deepEqual(events.map((e) => [e.user, e.ip, e.resource, e.localTime]), [
    ['alice', '127.0.1.10', 'Zom-iPhone', '2026-10-31T23:59:48+00:00'],
    ['bob', null, 'Gajim', '2026-10-31T23:59:49+00:00'],
  ]);
  assert.equal(unparsable, 0);
});

// journalctl -o json: the real rsyslog capture re-expressed as journal entries (severity from the
// severity template's facility.level, instant from its RFC 3339 stamp), since no journald runs here.
test('journalctl -o json: the same logins as the file sink', () => {
  const PRIORITY: Record<string, string> = { debug: '7', info: '6', warning: '4', crit: '2' };
  const entries = read('syslog.severity.log')
    .toString('utf8')
    .split('\n')
    .filter((l) => l.includes(' prosody['))
    .map((l) => {
      const m = /^(\S+) vm daemon\.(\w+) prosody\[(\d+)\]: (.*)$/.exec(l)!;
      return JSON.stringify({
        __REALTIME_TIMESTAMP: String(Date.parse(m[1]) * 1000),
        PRIORITY: PRIORITY[m[2]],
        SYSLOG_IDENTIFIER: 'prosody',
        _PID: m[3],
        MESSAGE: m[4].replace(/#012#011/g, '\n\t'),
      });
    });
  entries.splice(3, 0, JSON.stringify({ __REALTIME_TIMESTAMP: '1', SYSLOG_IDENTIFIER: 'CRON', MESSAGE: 'x' }));
  const text = entries.join('\n');
  assert.equal(detectFormat('journal.json', text.split('\n').slice(0, 50)), prosodyJournalJsonFormat);
  const { events, unparsable } = parseText(prosodyJournalJsonFormat, text);
  assert.deepEqual(events.map(key), fileSink.map(key));
  assert.equal(unparsable, 0);
});
