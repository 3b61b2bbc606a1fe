import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Stamp } from '../../src/time/log-clock.js';
import type { LogFormat } from '../../src/sources/log-format.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';
import { prosodyFileFormat, prosodyFileFormatWith } from '../../src/sources/prosody/prosody-file-format.js';
import { prosodySyslogFormat } from '../../src/sources/prosody/prosody-syslog-format.js';
import { ejabberdFormat } from '../../src/sources/ejabberd/ejabberd-format.js';
import { regexFormat } from '../../src/sources/custom/regex-format.js';
import { prosodyJournalJsonFormat } from '../../src/sources/prosody/prosody-journal-json-format.js';
import { TimeZone } from '../../src/time/zone.js';
import { fixture } from '../helpers/paths.js';

/**
 * Backfill's partial-month report needs the time of every line, not only of logins. Each format's
 * parser reports them through `ParserContext.lineTime`; here the minutes it reports are compared with
 * the minutes a plain regex finds in the same real log.
 */
function reportedMinutes(format: LogFormat, text: string): { minutes: Set<number>; calls: number } {
  const minutes = new Set<number>();
  let calls = 0;
  const parser = format.createParser(
    {
      label: 'test.log',
      emit: () => {},
      notice: () => {},
      lineTime: (_key, stamp: () => Stamp | null) => {
        calls++;
        const s = stamp();
        if (s !== null) minutes.add(Math.floor(s.time / 60_000));
      },
    },
    { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026, referenceMs: Date.UTC(2026, 10, 25) },
  );
  const splitter = new LineSplitter(parser);
  splitter.push(Buffer.from(text, 'utf8'));
  splitter.end();
  return { minutes, calls };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function minutesOf(text: string, re: RegExp, toMs: (m: RegExpExecArray) => number): Set<number> {
  const out = new Set<number>();
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) out.add(Math.floor(toMs(m) / 60_000));
  }
  return out;
}

const traditional = (m: RegExpExecArray) => Date.UTC(2026, MONTHS.indexOf(m[1]), Number(m[2]), Number(m[3]), Number(m[4]));

const cases: Array<{ name: string; file: string; format: LogFormat; re: RegExp; toMs: (m: RegExpExecArray) => number }> = [
  {
    name: 'Prosody file sink',
    file: fixture('prosody-0.12-captured', 'month-boundary.debug.log'),
    format: prosodyFileFormat,
    re: /^([A-Z][a-z]{2}) (\d\d) (\d\d):(\d\d):\d\d \S+\t/,
    toMs: traditional,
  },
  {
    name: 'syslog, traditional stamps',
    file: fixture('prosody-0.12-syslog', 'syslog.traditional.log'),
    format: prosodySyslogFormat,
    re: /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):\d\d vm prosody\[/,
    toMs: traditional,
  },
  {
    name: 'syslog, RFC 3339 stamps',
    file: fixture('prosody-0.12-syslog', 'syslog.rfc3339.log'),
    format: prosodySyslogFormat,
    re: /^(\S+) vm prosody\[/,
    toMs: (m) => Date.parse(m[1]),
  },
  {
    name: 'ejabberd, +05:30 offset, debug level',
    file: fixture('ejabberd-23.01', 'tz-offset', 'ejabberd.log'),
    format: ejabberdFormat,
    re: /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)([+-]\d\d:\d\d) \[/,
    toMs: (m) => Date.parse(`${m[1]}T${m[2].slice(0, 12)}${m[3]}`),
  },
  {
    name: 'ejabberd, debug level',
    file: fixture('ejabberd-23.01', 'debug', 'ejabberd.log'),
    format: ejabberdFormat,
    re: /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)([+-]\d\d:\d\d) \[/,
    toMs: (m) => Date.parse(`${m[1]}T${m[2].slice(0, 12)}${m[3]}`),
  },
];

for (const c of cases) {
  test(`${c.name}: every minute with a line is reported, and no other`, () => {
    const text = readFileSync(c.file, 'utf8');
    const expected = minutesOf(text, c.re, c.toMs);
    assert.ok(expected.size > 0);
    const { minutes } = reportedMinutes(c.format, text);
    assert.deepEqual([...minutes].sort(), [...expected].sort());
  });
}

test('Prosody file sink with a custom `timestamps` format and a --line-regex layout report their lines too', () => {
  const iso = '2026-11-01 00:00:05 c2s1\tinfo\tClient connected\n2026-11-03 10:20:30 c2s1\tinfo\tClient disconnected\n';
  assert.deepEqual([...reportedMinutes(prosodyFileFormatWith('%Y-%m-%d %H:%M:%S'), iso).minutes], [
    Date.UTC(2026, 10, 1, 0, 0) / 60_000,
    Date.UTC(2026, 10, 3, 10, 20) / 60_000,
  ]);
  // Lines that are no login (no user) still tell the time.
  const custom = regexFormat('^(?<time>\\S+ \\S+) (?:login (?<user>[^@ ]+)@(?<host>\\S+)|.*)$', '%Y-%m-%d %H:%M:%S');
  assert.deepEqual([...reportedMinutes(custom, '2026-11-01 00:00:05 hello\n2026-11-30 23:59:59 bye\n').minutes], [
    Date.UTC(2026, 10, 1, 0, 0) / 60_000,
    Date.UTC(2026, 10, 30, 23, 59) / 60_000,
  ]);
});

test('journalctl -o json: the instant of every Prosody entry', () => {
  const entry = (iso: string, message: string) =>
    JSON.stringify({ __REALTIME_TIMESTAMP: String(Date.parse(iso) * 1000), SYSLOG_IDENTIFIER: 'prosody', PRIORITY: '6', MESSAGE: message });
  const text = [
    entry('2026-11-01T00:00:05Z', 'startup: Hello and welcome to Prosody version 0.12.3'),
    entry('2026-11-01T00:00:50Z', 'c2s1: Client connected'),
    entry('2026-11-30T23:59:00Z', 'general: Shutdown complete'),
  ].join('\n');
  assert.deepEqual([...reportedMinutes(prosodyJournalJsonFormat, text).minutes], [
    Date.UTC(2026, 10, 1, 0, 0) / 60_000,
    Date.UTC(2026, 10, 30, 23, 59) / 60_000,
  ]);
});
