import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { prosodyFileFormat, prosodyFileFormatWith } from '../../src/sources/prosody/prosody-file-format.js';
import { regexFormat } from '../../src/sources/custom/regex-format.js';
import { ejabberdFormat } from '../../src/sources/ejabberd/ejabberd-format.js';
import { TimeFormat } from '../../src/time/strftime.js';
import { UsageError } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';
import { parseText } from '../helpers/parse-lines.js';

const MONTHS = { Sep: '09', Oct: '10', Nov: '11', Dec: '12', Jan: '01' } as Record<string, string>;

test("Prosody's timestamps option: the real log rewritten to %Y-%m-%d %H:%M:%S gives the same logins", () => {
  const log = readFileSync(fixture('prosody-0.12-p1', 'prosody.debug.log'), 'utf8');
  const rewritten = log.replace(/^([A-Z][a-z]{2}) (\d\d) (\d\d:\d\d:\d\d)/gm, (_, mon, day, time) => `2026-${MONTHS[mon]}-${day} ${time}`);
  const original = parseText(prosodyFileFormat, log, { firstYear: 2026 }).events;
  const custom = parseText(prosodyFileFormatWith('%Y-%m-%d %H:%M:%S'), rewritten).events;
  assert.equal(custom.length, 13);
  assert.deepEqual(custom.map((e) => [e.time, e.user, e.ip, e.resource]), original.map((e) => [e.time, e.user, e.ip, e.resource]));
});

test('--line-regex: a custom layout described by named groups', () => {
  const log = readFileSync(fixture('ejabberd-23.01', 'info-ipv4', 'ejabberd.log'));
  const format = regexFormat(
    String.raw`^(?<time>\S+ \S+) \[info\] <[^>]+>@ejabberd_c2s:bind/\S+ \(tcp\|(?<session><[^>]+>)\) Opened c2s session for (?<jid>.+)$`,
  );
  const viaRegex = parseText(format, log).events;
  const viaParser = parseText(ejabberdFormat, log).events;
  assert.equal(viaRegex.length, 24);
  assert.deepEqual(viaRegex.map((e) => [e.time, e.user, e.host, e.resource]), viaParser.map((e) => [e.time, e.user, e.host, e.resource]));
  assert.ok(viaRegex.every((e) => e.ip === null)); // this expression captures no address
});

test('--line-regex: session lines remember the address for the login line', () => {
  const format = regexFormat(
    String.raw`^(?<time>\S+) (?<session>s\d+) (?:connect from (?<ip>\S+)|login (?<user>[^@ ]+)@(?<host>\S+) as (?<resource>.*))$`,
    '%Y-%m-%dT%H:%M:%S%z',
  );
  const text = ['2026-09-03T09:00:00+02:00 s1 connect from 192.0.2.1', 'noise', '2026-09-03T09:00:01+02:00 s1 login Alice@Example.com as phone'].join('\n');
  const { events } = parseText(format, text);
  assert.deepEqual(events.map((e) => [e.user, e.host, e.ip, e.resource, e.localTime]), [
    ['alice', 'example.com', '192.0.2.1', 'phone', '2026-09-03T09:00:01+02:00'],
  ]);
});

test('bad --line-regex and --time-format are usage errors', () => {
  assert.throws(() => regexFormat('(?<time>'), UsageError);
  assert.throws(() => regexFormat('(?<user>.*)@(?<host>.*)'), /needs a named group \(\?<time>/);
  assert.throws(() => regexFormat('(?<time>\\S+) (?<user>.*)'), /user>…\) and \(\?<host>/);
  assert.throws(() => TimeFormat.compile('%Q'), UsageError);
});

test('strftime parsing: month names, offsets, fractions, epoch seconds', () => {
  assert.deepEqual(TimeFormat.compile('%b %e %T').parse('Nov  1 00:00:05 rest')?.time, {
    month: 11, day: 1, hour: 0, minute: 0, second: 5, millisecond: 0,
  });
  const t = TimeFormat.compile('%F %T.%f%z').parse('2026-11-25 17:53:33.435882+05:30')!.time;
  assert.deepEqual([t.year, t.millisecond, t.offsetMs], [2026, 435, 330 * 60_000]);
  assert.equal(TimeFormat.compile('%s').parse('1790000000')!.time.epochSeconds, 1790000000);
});
