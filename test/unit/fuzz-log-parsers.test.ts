/**
 * Property tests of every log parser (SPEC §4, §10): logs hold whatever users and attackers send,
 * and files get cut, mixed and corrupted. Whatever the bytes, a parser never throws, counts every
 * line, and every login it reports has a real instant, a real month and non-empty names.
 * Inputs are real fixture lines, mutated, mixed with random bytes, NUL, invalid UTF-8, CRLF and
 * login lines carrying hostile names, fed in random chunk sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { LoginEvent } from '../../src/core/login-event.js';
import type { LogFormat } from '../../src/sources/log-format.js';
import { FORMATS } from '../../src/sources/formats.js';
import { prosodyFileFormatWith } from '../../src/sources/prosody/prosody-file-format.js';
import { regexFormat } from '../../src/sources/custom/regex-format.js';
import { MAX_LINE_BYTES } from '../../src/sources/line-splitter.js';
import { fixture } from '../helpers/paths.js';
import { parseText } from '../helpers/parse-lines.js';
import { bytesArb, checkProperty, mutationOf } from '../helpers/fuzz.js';

const INTERESTING = /Resource bound|Authenticated as|Successful authentication|Client (connected|disconnected)|New connection|Accepted|Opened c2s|Closing c2s/;

function fixtureLines(path: string, max = 40): Buffer[] {
  const lines = readFileSync(path).toString('latin1').split('\n');
  const picked = lines.filter((l) => INTERESTING.test(l)).slice(0, max);
  return [...picked, ...lines.slice(0, 5)].map((l) => Buffer.from(l, 'latin1'));
}

/** journalctl -o json entries made from the syslog capture (no journald here). */
function journalLines(): Buffer[] {
  return fixtureLines(fixture('prosody-0.12-syslog/syslog.rfc3339.log'))
    .map((l) => /^(\S+) vm prosody\[(\d+)\]: (.*)$/.exec(l.toString('utf8')))
    .filter((m) => m !== null)
    .map((m) =>
      Buffer.from(JSON.stringify({ __REALTIME_TIMESTAMP: String(Date.parse(m![1]) * 1000), PRIORITY: '7', SYSLOG_IDENTIFIER: 'prosody', MESSAGE: m![3] })),
    );
}

const CUSTOM_REGEX = '^(?<time>\\S+) (?<session>\\S+) (?:login (?<jid>.+)|from (?<ip>\\S+))$';

interface Target {
  format: LogFormat;
  lines: Buffer[];
  /** A login line of this format around a JID, for hostile names. */
  login(jid: string): string;
}

const byName = (name: string) => FORMATS.find((f) => f.name === name)!;
const TARGETS: Target[] = [
  {
    format: byName('prosody'),
    lines: fixtureLines(fixture('prosody-0.12-p1/prosody.debug.log')),
    login: (jid) => `Sep 03 09:00:00 c2s55d1\tinfo\tClient connected\nSep 03 09:00:00 c2s55d1\tdebug\tResource bound: ${jid}`,
  },
  {
    format: byName('prosody-syslog'),
    lines: fixtureLines(fixture('prosody-0.12-syslog/syslog.traditional.log')),
    login: (jid) => `Nov 25 11:33:00 vm prosody[6388]: c2s557f900dce50: Client connected\nNov 25 11:33:00 vm prosody[6388]: c2s557f900dce50: Resource bound: ${jid}`,
  },
  {
    format: byName('prosody-journal-json'),
    lines: journalLines(),
    login: (jid) =>
      ['Client connected', `Resource bound: ${jid}`]
        .map((m) => JSON.stringify({ __REALTIME_TIMESTAMP: '1790000000000000', PRIORITY: '7', SYSLOG_IDENTIFIER: 'prosody', MESSAGE: `c2s1: ${m}` }))
        .join('\n'),
  },
  {
    format: byName('ejabberd'),
    lines: fixtureLines(fixture('ejabberd-23.01/info-ipv4/ejabberd.log')),
    login: (jid) => `2026-11-25 12:24:14.322405+00:00 [info] <0.515.0>@ejabberd_c2s:handle_auth_success/4:425 (tcp|<0.515.0>) Opened c2s session for ${jid}`,
  },
  {
    format: prosodyFileFormatWith('%Y-%m-%d %H:%M:%S'),
    lines: fixtureLines(fixture('prosody-0.12-p1/prosody.debug.log')).map((l) => Buffer.from(`2026-09-03 09:00:00${l.toString('latin1').slice(15)}`, 'latin1')),
    login: (jid) => `2026-09-03 09:00:00 c2s55d1\tinfo\tClient connected\n2026-09-03 09:00:00 c2s55d1\tdebug\tResource bound: ${jid}`,
  },
  {
    format: regexFormat(CUSTOM_REGEX),
    lines: ['2026-09-03T09:00:00Z s1 from 127.0.0.1', '2026-09-03T09:00:01Z s1 login alice@example.com/Gajim', '2026-09-03 s2 login bob@example.com'].map((l) => Buffer.from(l)),
    login: (jid) => `2026-09-03T09:00:01Z s9 login ${jid}`,
  },
];
/** How each container runtime wraps a line (as in ../../fixtures/containers-prosody-13.0/README.md). */
const WRAP: Record<string, (line: string) => string> = {
  'docker-json': (line) => JSON.stringify({ log: `${line}\n`, stream: 'stdout', time: '2026-12-06T00:02:46.5Z' }),
  'docker-logs': (line) => `2026-12-06T00:02:46.500000000Z ${line}`,
  cri: (line) => `2026-12-06T00:02:46.500000000+00:00 stdout F ${line}`,
};
const CONTAINER_CAPTURES: Record<string, string> = {
  'docker-json': fixture('containers-prosody-13.0/docker-json-file-tty-info/4fb6c0ccd635086253791298b577d16d2299ff63251d47d727cfaa97383d995b-json.log'),
  'docker-logs': fixture('containers-prosody-13.0/docker-json-file-tty-info/docker-logs-t.txt'),
  cri: fixture('containers-prosody-0.12-podman/ctr.log'),
};
for (const [wrapper, wrap] of Object.entries(WRAP)) {
  const ejabberd = TARGETS.find((t) => t.format.name === 'ejabberd')!;
  TARGETS.push(
    {
      format: byName(`prosody-${wrapper}`),
      lines: fixtureLines(CONTAINER_CAPTURES[wrapper]),
      login: (jid) => [`c2s55d1             info\tClient connected`, `c2s55d1             debug\tResource bound: ${jid}`].map(wrap).join('\n'),
    },
    {
      format: byName(`ejabberd-${wrapper}`),
      lines: ejabberd.lines.map((l) => Buffer.from(wrap(l.toString('utf8')))),
      login: (jid) => wrap(ejabberd.login(jid)),
    },
  );
}
assert.ok(FORMATS.every((f) => TARGETS.some((t) => t.format === f)), 'every format in FORMATS is fuzzed');

/** Names an attacker can choose: path tricks, controls, invisible and bidi characters, long runs. */
const hostileName = fc.oneof(
  fc.constantFrom('../', '..', '/', '\\', '\0', '%', '%2e%2e', '\u202e', '\u200f', '\u00ad', '\u200b', '\ufeff', '\x1b[31m', '\r', '\t', ' ', '@', 'Ａ', 'ﬀ', '\u0085', '\u2028', '\udc00', 'é'),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('a', '.', '/', '%', '\u00ad'), minLength: 200, maxLength: 1100 }),
);
const hostileJid = fc
  .tuple(fc.array(hostileName, { maxLength: 4 }), fc.array(hostileName, { maxLength: 3 }), fc.array(hostileName, { maxLength: 3 }), fc.boolean())
  .map(([u, h, r, withAt]) => `${u.join('')}${withAt ? '@' : ''}${h.join('')}/${r.join('')}`);

function lineArb(t: Target): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...t.lines) },
    { weight: 3, arbitrary: fc.constantFrom(...t.lines).chain((l) => mutationOf(l, 3)) },
    { weight: 2, arbitrary: hostileJid.map((jid) => Buffer.from(t.login(jid), 'utf8')) },
    { weight: 1, arbitrary: bytesArb(120) },
    { weight: 1, arbitrary: fc.constantFrom(...t.lines).map((l) => l.subarray(0, Math.floor(l.length / 2))) },
  );
}

function inputArb(t: Target): fc.Arbitrary<{ bytes: Buffer; chunkSize: number }> {
  return fc
    .record({ lines: fc.array(lineArb(t), { maxLength: 25 }), crlf: fc.boolean(), finalNewline: fc.boolean(), chunkSize: fc.integer({ min: 1, max: 4096 }) })
    .map(({ lines, crlf, finalNewline, chunkSize }) => {
      const sep = Buffer.from(crlf ? '\r\n' : '\n');
      const parts: Buffer[] = [];
      lines.forEach((l, i) => parts.push(l, ...(i < lines.length - 1 || finalNewline ? [sep] : [])));
      return { bytes: Buffer.concat(parts), chunkSize };
    });
}

function countLines(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return bytes[bytes.length - 1] === 0x0a ? n : n + 1;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function assertSaneEvent(e: LoginEvent): void {
  assert.ok(Number.isFinite(e.time), `time ${e.time}`);
  assert.match(e.month, MONTH);
  assert.equal(typeof e.localTime, 'string');
  assert.ok(typeof e.user === 'string' && e.user.length > 0, `user ${JSON.stringify(e.user)}`);
  assert.ok(typeof e.host === 'string' && e.host.length > 0, `host ${JSON.stringify(e.host)}`);
  assert.ok(e.resource === null || typeof e.resource === 'string');
  assert.ok(e.ip === null || typeof e.ip === 'string');
}

for (const t of TARGETS) {
  test(`fuzz ${t.format.name} (${t.format.description.slice(0, 50)}): never throws, counts every line, sane logins`, () => {
    checkProperty(
      fc.property(inputArb(t), ({ bytes, chunkSize }) => {
        const r = parseText(t.format, bytes, { chunkSize });
        assert.equal(r.lines, countLines(bytes));
        assert.ok(r.unparsable >= 0 && r.unparsable <= r.lines);
        for (const e of r.events) assertSaneEvent(e);
      }),
      150,
    );
  });
}

test('every format: a 10 MB line is one unparsable line and the lines around it still count', () => {
  for (const t of TARGETS) {
    const login = t.login('alice@example.com/Gajim');
    const huge = Buffer.alloc(10 * 1024 * 1024, 'A');
    huge.write(login); // a login line that goes on for 10 MB
    const input = Buffer.concat([Buffer.from(`${login}\n`), huge, Buffer.from(`\n${login}\n`)]);
    const r = parseText(t.format, input, { chunkSize: 1 << 20 });
    assert.ok(huge.length > MAX_LINE_BYTES);
    assert.equal(r.lines, countLines(input), t.format.name);
    assert.ok(r.unparsable >= 1, `${t.format.name}: the 10 MB line is counted as unparsable`);
  }
});

test('a login line whose names normalise to nothing is counted as unparsable, not reported', () => {
  for (const t of TARGETS) {
    for (const jid of ['\u00ad@example.com/r', 'alice@\ufeff/r', '\u200b\u200b@\u00ad/r']) {
      const r = parseText(t.format, `${t.login('alice@example.com/Gajim')}\n${t.login(jid)}\n`);
      assert.equal(r.events.length, 1, `${t.format.name} ${JSON.stringify(jid)}`);
      assert.equal(r.unparsable, 1, `${t.format.name} ${JSON.stringify(jid)}`);
    }
  }
});

test('ejabberd: a stamp with an impossible field (month 13, day 00, 25 h, letters) is not a login', () => {
  const ejabberd = TARGETS.find((t) => t.format.name === 'ejabberd')!;
  const good = ejabberd.login('alice@example.com/r');
  for (const bad of ['2026-13-25 12', '2026-11-00 12', '2026-11-25 25', '2O26-11-25 12', '2026-11-2  12', '2026-11-25 1:']) {
    const r = parseText(ejabberd.format, `${good}\n${bad}${good.slice(13)}\n`);
    assert.equal(r.events.length, 1, bad);
    assert.equal(r.unparsable, 1, bad);
  }
});

test('journalctl -o json: absurd timestamps are unparsable or sane, never a crash', () => {
  const journal = TARGETS.find((t) => t.format.name === 'prosody-journal-json')!;
  for (const ts of ['1e30', '-1e30', '9'.repeat(40), '-1', '', 'NaN', '0x10', '1790000000000000.5']) {
    const text = journal.login('alice@example.com/r').replaceAll('1790000000000000', ts);
    const r = parseText(journal.format, text);
    for (const e of r.events) assertSaneEvent(e);
  }
});
