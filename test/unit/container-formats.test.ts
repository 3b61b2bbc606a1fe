import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { parseText } from '../helpers/parse-lines.js';
import { detectFormatOfChunk, formatByName } from '../../src/sources/formats.js';
import { rotatedNamesOf, rotationOf } from '../../src/sources/rotated-sets.js';
import { TimeZone } from '../../src/time/zone.js';

const CAPTURES = fixture('containers-prosody-13.0');
const DOCKER_ID = '4fb6c0ccd635086253791298b577d16d2299ff63251d47d727cfaa97383d995b';

function readMaybeGzip(path: string): Buffer {
  const bytes = readFileSync(path);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

test('each runtime framing of the real captures is detected, with Prosody inside', () => {
  const cases: Array<[string, string]> = [
    [join(CAPTURES, 'docker-json-file-tty-info', `${DOCKER_ID}-json.log`), 'prosody-docker-json'],
    [join(CAPTURES, 'docker-json-file-tty-info', 'docker-logs-t.txt'), 'prosody-docker-logs'],
    [join(CAPTURES, 'podman-k8s-file-info-truncated', 'ctr.log'), 'prosody-cri'],
    [join(CAPTURES, 'podman-k8s-file-info-truncated', 'podman-logs-t.txt'), 'prosody-docker-logs'],
    [join(CAPTURES, 'derived', 'cri-debug-kubelet-rotated', '0.log'), 'prosody-cri'],
    // The console sink's own lines are not mistaken for a wrapped log (no format reads them bare).
  ];
  for (const [path, name] of cases) assert.equal(detectFormatOfChunk(path, readFileSync(path)).name, name, path);
  assert.throws(() => detectFormatOfChunk('x', readFileSync(join(CAPTURES, 'docker-json-file-tty-info', 'prosody.stdout.txt'))), /unknown log format/);
});

test('ejabberd inside Docker json-file and CRI is detected and its own timestamps are kept', () => {
  const line = '2026-11-25 12:21:15.757323+01:00 [info] <0.514.0>@ejabberd_c2s:bind/2:450 (tcp|<0.514.0>) Opened c2s session for alice@example.com/phone';
  const json = `${JSON.stringify({ log: `${line}\n`, stream: 'stdout', time: '2026-11-25T11:21:15.8Z' })}\n`;
  const cri = `2026-11-25T11:21:15.800000000Z stdout F ${line}\n`;
  for (const [text, name] of [[json, 'ejabberd-docker-json'], [cri, 'ejabberd-cri']]) {
    const format = detectFormatOfChunk('x', Buffer.from(text));
    assert.equal(format.name, name);
    const { events } = parseText(format, text);
    assert.deepEqual(events.map((e) => [e.user, e.host, e.resource, e.localTime]), [['alice', 'example.com', 'phone', '2026-11-25T12:21:15.757+01:00']]);
  }
});

/** A c2s session as Prosody's console sink prints it at debug level. */
function consoleSession(user: string, width = 20): string[] {
  const pad = (s: string) => s.padEnd(width);
  return [
    `${pad('conn55d7097612a0')}debug\tNew connection FD 14 (127.0.1.10, 40000, 127.0.0.1, 5232) on server FD 7`,
    `${pad('c2s55d709764400')}info\tClient connected`,
    `${pad('c2s55d709764400')}info\tAuthenticated as ${user}@example.com [prosody:registered]`,
    `${pad('c2s55d709764400')}debug\tResource bound: ${user}@example.com/Zom-iPhone`,
    `${pad('c2s55d709764400')}info\tClient disconnected: closed`,
  ];
}

function dockerJson(lines: string[], time: string, chunk = 16384): string {
  let out = '';
  for (const line of lines) {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    for (let i = 0; i < bytes.length; i += chunk) {
      out += `${JSON.stringify({ log: bytes.subarray(i, i + chunk).toString('utf8'), stream: 'stdout', time })}\n`;
    }
  }
  return out;
}

test("Docker's 16 KiB pieces of one line are joined before Prosody's parser sees it", () => {
  const session = consoleSession('alice');
  // A login line cut in three (as if it were longer than the piece size), a U+FFFD and all.
  const text = dockerJson(session, '2026-12-06T00:02:46.9Z', 25);
  assert.ok(text.split('\n').length > 3 * session.length);
  const r = parseText(formatByName('prosody-docker-json'), text);
  assert.deepEqual(r.events.map((e) => [e.user, e.ip, e.resource, e.localTime]), [['alice', '127.0.1.10', 'Zom-iPhone', '2026-12-06T00:02:46.900+00:00']]);
  assert.equal(r.unparsable, 0);
  // Without the join the pieces are not lines of Prosody's: nothing is a login.
  const unjoined = text.replace(/(?<!\\n)","stream"/g, '\\n","stream"');
  const broken = parseText(formatByName('prosody-docker-json'), unjoined);
  assert.equal(broken.events.length, 0);
  assert.ok(broken.unparsable > 0);
});

test('a cut line of the real-shaped derived set (16 KiB, U+FFFD at the cut) is one line', () => {
  const dir = join(CAPTURES, 'derived', 'docker-json-file-debug-rotated');
  const names = rotatedNamesOf(`${DOCKER_ID}-json.log`, readdirSync(dir)).reverse();
  const text = Buffer.concat([...names, `${DOCKER_ID}-json.log`].map((n) => readMaybeGzip(join(dir, n))));
  const physical = text.toString('utf8').split('\n').filter((l) => l !== '');
  const pieces = physical.filter((l) => !l.includes('\\n"'));
  assert.equal(pieces.length, 1); // one 16 KiB piece without its newline…
  assert.ok(pieces[0].includes('\ufffd'));
  const r = parseText(formatByName('prosody-docker-json'), text);
  assert.equal(r.lines, physical.length); // …and its line counts once as a line read, never as unparsable
  assert.equal(r.unparsable, 0);
  assert.equal(r.events.length, 10);
});

test('CRI P pieces are joined with the F piece of the same stream, not across streams', () => {
  const [conn, connected, auth, bound, gone] = consoleSession('bob');
  const t = (ms: number) => `2026-12-06T00:02:47.${String(ms).padStart(3, '0')}000000Z`;
  const cri = [
    `${t(1)} stdout F ${conn}`,
    `${t(2)} stdout F ${connected}`,
    `${t(3)} stdout F ${auth}`,
    `${t(4)} stdout P ${bound.slice(0, 30)}`,
    `${t(5)} stderr F some other output on stderr`,
    `${t(6)} stdout P ${bound.slice(30, 50)}`,
    `${t(7)} stdout F ${bound.slice(50)}`,
    `${t(8)} stdout F ${gone}`,
  ].join('\n');
  const r = parseText(formatByName('prosody-cri'), `${cri}\n`, { chunkSize: 17 });
  // The time of a joined line is that of its first piece.
  assert.deepEqual(r.events.map((e) => [e.user, e.resource, e.localTime]), [['bob', 'Zom-iPhone', '2026-12-06T00:02:47.004+00:00']]);
  assert.equal(r.lines, 8);
  assert.equal(r.unparsable, 1); // the stderr line is no Prosody line
});

test('a partial entry at the end of the input is still a line (the program exited mid-line)', () => {
  const [conn, connected, auth, bound] = consoleSession('carol');
  const t = '2026-12-06T00:02:48.000000000+00:00';
  const text = [conn, connected, auth].map((l) => `${t} stdout F ${l}`).join('\n') + `\n${t} stdout P ${bound}\n`;
  const r = parseText(formatByName('prosody-cri'), text);
  assert.deepEqual(r.events.map((e) => [e.user, e.resource]), [['carol', 'Zom-iPhone']]);
});

test('docker logs -t: colours and \\r\\n are dropped, a piece\'s timestamp in mid-line is cut out', () => {
  const stamp = '2026-12-06T00:02:46.910363754Z';
  const session = consoleSession('dave', 36).map((l) => l.replace(/(debug|info)\t/, '\x1b[1m$1\x1b[0m\t'));
  const lines = session.map((l) => `${stamp} ${l}\r`);
  // Resource bound cut by the runtime: the next piece is printed with its own timestamp.
  lines[3] = `${stamp} ${session[3].slice(0, 60)}2026-12-06T00:02:46.910363754Z ${session[3].slice(60)}\r`;
  const r = parseText(formatByName('prosody-docker-logs'), `${lines.join('\n')}\n`);
  assert.deepEqual(r.events.map((e) => [e.user, e.ip, e.resource, e.localTime]), [['dave', '127.0.1.10', 'Zom-iPhone', '2026-12-06T00:02:46.910+00:00']]);
  assert.equal(r.unparsable, 0);
  // A timestamp far from the line's own is text of the message, and stays.
  const quoted = `${stamp} ${session[3]} at 2026-01-01T00:00:00.000000000Z x\n`;
  const kept = parseText(formatByName('prosody-docker-logs'), `${stamp} ${session[0]}\n${stamp} ${session[1]}\n${quoted}`);
  assert.deepEqual(kept.events.map((e) => e.resource), ['Zom-iPhone at 2026-01-01T00:00:00.000000000Z x']);
});

test("the wrapper's UTC time is shown on --timezone's clock, and the month follows it unless --month-timezone says otherwise", () => {
  const text = dockerJson(consoleSession('erin'), '2026-11-30T23:30:00.5Z');
  const berlin = TimeZone.of('Europe/Berlin');
  const local = parseText(formatByName('prosody-docker-json'), text, { zone: berlin });
  assert.deepEqual(local.events.map((e) => [e.time, e.month, e.localTime]), [[Date.UTC(2026, 10, 30, 23, 30, 0, 500), '2026-12', '2026-12-01T00:30:00.500+01:00']]);
  const utcMonths = parseText(formatByName('prosody-docker-json'), text, { zone: berlin, monthZone: TimeZone.of('UTC') });
  assert.deepEqual(utcMonths.events.map((e) => [e.time, e.month]), [[Date.UTC(2026, 10, 30, 23, 30, 0, 500), '2026-11']]);
});

test('malformed wrapper lines are counted and skipped', () => {
  const good = dockerJson(consoleSession('fay'), '2026-12-06T00:02:46Z');
  const text = `{"log":"x\\n","stream":"stdout"}\n{"log":42,"time":"2026-12-06T00:02:46Z"}\nnot json\n{"log":"y\\n","time":"2026-13-06T00:02:46Z"}\n${good}`;
  const r = parseText(formatByName('prosody-docker-json'), text);
  assert.equal(r.unparsable, 4);
  assert.deepEqual(r.events.map((e) => e.user), ['fay']);
});

test("Docker's and kubelet's rotation names are pieces of one log, oldest last in the newest-first list", () => {
  const live = `${DOCKER_ID}-json.log`;
  assert.deepEqual(rotatedNamesOf(live, [`${live}.2.gz`, live, `${live}.1`, `${live}.10.gz`, 'other-json.log.1']), [`${live}.1`, `${live}.2.gz`, `${live}.10.gz`]);
  assert.deepEqual(
    rotatedNamesOf('0.log', ['0.log', '0.log.20261206-000256', '0.log.20261206-000246.gz', '0.log.20261205-235959.gz', '1.log', '0.log.tmp']),
    ['0.log.20261206-000256', '0.log.20261206-000246.gz', '0.log.20261205-235959.gz'],
  );
  assert.equal(rotationOf('/var/log/pods/ns_pod_uid/prosody/0.log.20261206-000246.gz').stem, '/var/log/pods/ns_pod_uid/prosody/0.log');
  // logrotate's own names still read as before.
  assert.deepEqual(rotatedNamesOf('prosody.log', ['prosody.log-20261101.gz', 'prosody.log.1']), ['prosody.log.1', 'prosody.log-20261101.gz']);
});

test('a line whose first pieces were read but not its last holds the checkpoint at its first piece', () => {
  // tail checkpoints before lines the parser still needs: here the pieces of an unfinished line.
  let position = 0;
  const parser = formatByName('prosody-cri').createParser(
    { label: 'x', emit: () => {}, notice: () => {}, position: () => position },
    { zone: TimeZone.of('UTC'), monthZone: null, referenceMs: 0 },
  );
  const feed = (line: string) => {
    const b = Buffer.from(line);
    parser.line(b, 0, b.length, 1);
    position += b.length + 1;
  };
  feed('2026-12-06T00:02:46.000000000Z stdout F startup             info\tHello');
  assert.equal(parser.pendingSince?.(), undefined);
  const first = position;
  feed('2026-12-06T00:02:46.000000000Z stdout P c2s55d709764400     debug\tReceived[c2s]: <mess');
  feed('2026-12-06T00:02:46.000000000Z stdout P age>');
  assert.equal(parser.pendingSince?.(), first);
  feed('2026-12-06T00:02:46.000000000Z stdout F </message>');
  assert.equal(parser.pendingSince?.(), undefined);
  assert.deepEqual(parser.stats, { lines: 4, unparsable: 0 });
});

test('kubectl logs --timestamps: fractions with their trailing zeros trimmed (Go RFC3339Nano)', () => {
  const session = consoleSession('gus');
  const stamps = ['2026-12-06T00:02:46.9103Z', '2026-12-06T00:02:47Z', '2026-12-06T00:02:47.5Z', '2026-12-06T00:02:47.51Z', '2026-12-06T00:02:48.000000001Z'];
  const lines = session.map((l, i) => `${stamps[i]} ${l}`);
  lines[3] = `${stamps[3]} ${session[3].slice(0, 50)}2026-12-06T00:02:47.6Z ${session[3].slice(50)}`;
  const format = detectFormatOfChunk('x', Buffer.from(lines.join('\n')));
  assert.equal(format.name, 'prosody-docker-logs');
  const r = parseText(format, `${lines.join('\n')}\n`);
  assert.deepEqual(r.events.map((e) => [e.user, e.resource, e.localTime]), [['gus', 'Zom-iPhone', '2026-12-06T00:02:47.510+00:00']]);
});

test('pieces adding up to more than any log line are dropped and count once as unparsable; the lines after them still count', () => {
  const [conn, connected, auth, bound, gone] = consoleSession('hal');
  const piece = `{"log":"${'A'.repeat(16384)}","stream":"stdout","time":"2026-12-06T00:02:46Z"}`;
  const huge = Array.from({ length: 70 }, () => piece).join('\n'); // 70 × 16 KiB > 1 MiB
  const text = `${dockerJson([conn, connected], '2026-12-06T00:02:46Z')}${huge}\n${dockerJson(['the end of the huge line', auth, bound, gone], '2026-12-06T00:02:46Z')}`;
  const r = parseText(formatByName('prosody-docker-json'), text, { chunkSize: 65536 });
  assert.equal(r.unparsable, 1);
  assert.equal(r.lines, 2 + 70 + 4);
  assert.deepEqual(r.events.map((e) => [e.user, e.ip]), [['hal', '127.0.1.10']]);
});

test('Docker entries with extra keys (`attrs` of --log-opt labels/tag) read as any other', () => {
  const text = dockerJson(consoleSession('ida'), '2026-12-06T00:02:46Z').replaceAll(',"time"', ',"attrs":{"tag":"prosody"},"time"');
  assert.ok(text.includes('"attrs"'));
  assert.deepEqual(parseText(formatByName('prosody-docker-json'), text).events.map((e) => e.user), ['ida']);
});
