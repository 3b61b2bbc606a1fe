import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { FIXTURES } from '../helpers/paths.js';
import { tempDir } from '../helpers/tree.js';
import { openInputs } from '../../src/sources/log-input.js';
import { LoginStream, type WorkerOptions } from '../../src/sources/login-stream.js';
import { WorkerPool } from '../../src/sources/parallel/worker-pool.js';
import { detectFormatOfChunk } from '../../src/sources/formats.js';
import { rangeStarts } from '../../src/sources/parallel/piece-ranges.js';
import { groupRotatedSets } from '../../src/sources/rotated-sets.js';
import { TimeZone } from '../../src/time/zone.js';
import type { LogCoverage } from '../../src/core/log-coverage.js';
import type { LogFormat } from '../../src/sources/log-format.js';
import { prosodyFileFormatWith } from '../../src/sources/prosody/prosody-file-format.js';
import { DEFAULT_OPTIONS, ensureProsodyLogs } from '../../bench/generate-prosody.js';
import { ensureEjabberdLogs } from '../../bench/generate-ejabberd.js';

/**
 * `--jobs`: a log read by workers in ranges gives exactly what one serial read gives — every
 * login with its time, month, local time, IP, resource and `file:line`, every piece's counts, and
 * every minute the coverage of partial months sees — wherever the ranges are cut.
 */

const pool = new WorkerPool(2);
after(() => pool.close());

interface Replay {
  events: string[];
  stats: string;
  minutes: number[];
  parallel: boolean;
  ranges: { stitched: number; readAgain: number };
}

async function replay(paths: readonly string[], workers: WorkerOptions | null): Promise<Replay> {
  const minutes: number[] = [];
  const coverage = { add: (s: { time: number }) => minutes.push(s.time) } as unknown as LogCoverage;
  const notices: string[] = [];
  const [pieces] = groupRotatedSets(await openInputs(paths));
  const stream = new LoginStream(pieces, {
    format: null,
    time: { zone: TimeZone.of('UTC', '--timezone'), monthZone: null },
    notice: (key) => notices.push(key),
    coverage,
  });
  const parallel = workers === null ? false : await stream.useWorkers(pool, workers);
  const events: string[] = [];
  for (let batch = await stream.next(); batch !== null; batch = await stream.next()) {
    for (const e of batch) events.push(JSON.stringify([e.time, e.month, e.localTime, e.host, e.user, e.ip, e.resource, e.source]));
  }
  return { events, stats: JSON.stringify([stream.stats, stream.format?.name, notices]), minutes, parallel, ranges: { ...stream.rangeCounts } };
}

function assertSame(serial: Replay, parallel: Replay, what: string): void {
  assert.ok(parallel.parallel, `${what}: read on workers`);
  assert.equal(parallel.events.length, serial.events.length, what);
  assert.deepEqual(parallel.events, serial.events, what);
  assert.equal(parallel.stats, serial.stats, what);
  assert.deepEqual(parallel.minutes, serial.minutes, what);
}

/** A log whose detected format has a line filter (container logs, for one, are read on the main thread). */
function readsInParallel(path: string): boolean {
  return detectFormatOfChunk(path, readFileSync(path).subarray(0, 64 * 1024)).lineFilter !== undefined;
}

/** Every real log in fixtures/ with a format that reads in parallel, and generated Prosody (debug, info, across a new year) and ejabberd logs. */
function corpus(): string[] {
  const real: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) walk(join(dir, d.name));
      else if (d.name.endsWith('.log') && readsInParallel(join(dir, d.name))) real.push(join(dir, d.name));
    }
  };
  walk(FIXTURES);
  const outDir = tempDir();
  const generated = ensureProsodyLogs({ ...DEFAULT_OPTIONS, sizeMb: 2, users: 300, concurrency: 40, startMonth: '2026-11', months: 3, outDir });
  const ejabberd = ensureEjabberdLogs(generated.debugPath, 2026);
  return [...real, generated.debugPath, generated.infoPath, ejabberd.debugPath, ejabberd.infoPath];
}

const CORPUS = corpus();
const serialCache = new Map<string, Replay>();
async function serialOf(path: string): Promise<Replay> {
  if (!serialCache.has(path)) serialCache.set(path, await replay([path], null));
  return serialCache.get(path)!;
}

test('the corpus holds every kind of log the filters serve', () => {
  const names = CORPUS.map((p) => p.slice(FIXTURES.length));
  for (const kind of [/ejabberd-23\.01\/debug/, /ejabberd-23\.01\/info-ipv4/, /prosody-0\.12-p1\/prosody\.debug/, /prosody-0\.12-p1\/prosody\.info/, /new-year\.debug/, /new-year\.info/, /month-boundary/, /ejabberd-v\d+\.info/, /syslog\.rfc3339/, /syslog\.traditional/, /prosody-13\.0-p1\/prosody\.debug/, /prosody-13\.0-p1\/prosody\.info/]) {
    assert.ok(names.some((n) => kind.test(n)), String(kind));
  }
});

test('every corpus log, in ranges of 4 KiB and of 97 bytes: the same as one serial read', async () => {
  for (const path of CORPUS) {
    const serial = await serialOf(path);
    assert.ok(serial.events.length > 0, `${path} has logins`);
    for (const bytes of [4096, 97]) {
      if (statSync(path).size / bytes > 3000) continue; // 97-byte ranges of the 2 MB logs: thousands of tasks, no new cut
      // Ranges parsed on their own and stitched where the format can (Prosody's file sink), else filtered; and filtered (tail, stream workers).
      for (const mode of [undefined, 'filter'] as const) {
        const parallel = await replay([path], { force: true, plan: (size) => rangeStarts(size, bytes), mode });
        assertSame(serial, parallel, `${path} in ${bytes}-byte ranges${mode === undefined ? '' : ', filtered'}`);
        if (mode === undefined && bytes === 4096 && parallel.ranges.stitched + parallel.ranges.readAgain > 0) {
          // Ranges are stitched, not read again (but where the first chunk misled them: the ones before a debug line that comes later).
          assert.ok(parallel.ranges.readAgain <= 2 && parallel.ranges.stitched > 0, `${path}: ${JSON.stringify(parallel.ranges)}`);
        }
      }
    }
  }
});

test('every corpus log, cut at random points (inside sessions, inside lines): the same as one serial read', async () => {
  for (const path of CORPUS) {
    const serial = await serialOf(path);
    const size = statSync(path).size;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: size - 1 }), { maxLength: 12 }), async (cuts) => {
        const starts = [0, ...cuts.sort((a, b) => a - b)];
        assertSame(serial, await replay([path], { force: true, plan: () => starts }), `${path} cut at ${cuts.join(',')}`);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 15) },
    );
  }
});

test('a rotated set (gzip pieces and the live file, across a new year): pieces on their own workers, the same as serial', async () => {
  const dir = tempDir();
  const text = readFileSync(join(FIXTURES, 'prosody-0.12-captured', 'new-year.debug.log'), 'utf8');
  const lines = text.split('\n');
  const thirds = [0, Math.floor(lines.length / 3), Math.floor((2 * lines.length) / 3), lines.length];
  const names = ['prosody.log.2.gz', 'prosody.log.1.gz', 'prosody.log'];
  const mtime = Date.UTC(2027, 0, 2) / 1000;
  names.forEach((name, k) => {
    const part = lines.slice(thirds[k], thirds[k + 1]).join('\n') + (k < 2 ? '\n' : '');
    writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(part) : part);
    utimesSync(join(dir, name), mtime, mtime);
  });
  const paths = names.map((n) => join(dir, n)).reverse();
  const serial = await replay(paths, null);
  assert.ok(serial.events.length > 0);
  assertSame(serial, await replay(paths, { force: true }), 'rotated set');
  assertSame(serial, await replay(paths, { force: true, plan: (size) => rangeStarts(size, 1000) }), 'rotated set, live file in ranges');
});

test('which logs go to workers: large debug logs and debug gzip sets yes; small logs, info-level logs and sets (most lines kept), a custom time format no', async () => {
  const dir = tempDir();
  const big = (name: string, source: string) => {
    const text = readFileSync(source);
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat(Array.from({ length: Math.ceil((33 << 20) / text.length) }, () => text)));
    return path;
  };
  const decide = async (paths: string[], format: LogFormat | null = null) => {
    const [pieces] = groupRotatedSets(await openInputs(paths));
    const stream = new LoginStream(pieces, { format, time: { zone: TimeZone.of('UTC', '--timezone'), monthZone: null }, notice: () => {} });
    return stream.useWorkers(pool);
  };
  const p1 = (name: string) => join(FIXTURES, 'prosody-0.12-p1', name);
  assert.equal(await decide([p1('prosody.debug.log')]), false, 'small');
  assert.equal(await decide([big('debug.log', p1('prosody.debug.log'))]), true, 'large debug');
  assert.equal(await decide([big('info.log', p1('prosody.info.log'))]), false, 'large info');
  assert.equal(await decide([join(dir, 'debug.log')], prosodyFileFormatWith('%b %d %H:%M:%S')), false, 'custom timestamps');
  const gz = (name: string) => {
    writeFileSync(join(dir, `${name}.1.gz`), gzipSync(readFileSync(join(dir, name))));
    return [join(dir, `${name}.1.gz`), join(dir, name)];
  };
  assert.equal(await decide(gz('debug.log')), true, 'a debug set with a gzip piece');
  assert.equal(await decide(gz('info.log')), false, 'an info-level set with a gzip piece');
});

/** Bytes that change how a line parses, dropped into real logs at random places. */
const TOKENS = ['\t', '\r', '\n', '\n\n', '\t\t', ' ', 'Dec', 'Jan', 'Xyz', '99', 'c2s', 'conn', '\tdebug\t', '\tinfo\t', 'Resource bound: ', 'Client connected', 'Authenticated as ', '[info] ', ') ', '@ejabberd_c2s:', 'Opened c2s session for a@b/c', '  '].map((t) => Buffer.from(t));

function damaged(base: Buffer): fc.Arbitrary<Buffer> {
  const edit = fc.record({ at: fc.nat(), token: fc.integer({ min: 0, max: TOKENS.length - 1 }), cut: fc.integer({ min: 0, max: 4 }) });
  return fc.array(edit, { minLength: 1, maxLength: 40 }).map((edits) => {
    let b = base;
    for (const e of edits) {
      const at = e.at % (b.length + 1);
      b = Buffer.concat([b.subarray(0, at), TOKENS[e.token], b.subarray(Math.min(b.length, at + e.cut))]);
    }
    return b;
  });
}

test('damaged real logs (tabs, newlines, CRs, months, session messages dropped in anywhere), cut at random points: the same as serial', async () => {
  const dir = tempDir();
  let n = 0;
  for (const source of [join(FIXTURES, 'prosody-0.12-captured', 'new-year.debug.log'), join(FIXTURES, 'prosody-0.12-p1', 'prosody.info.log'), join(FIXTURES, 'ejabberd-23.01', 'debug', 'ejabberd.log'), join(FIXTURES, 'prosody-0.12-syslog', 'syslog.traditional.log'), join(FIXTURES, 'prosody-0.12-syslog', 'syslog.rfc3339.log')]) {
    const base = readFileSync(source).subarray(0, 24_000);
    await fc.assert(
      fc.asyncProperty(damaged(base), fc.uniqueArray(fc.integer({ min: 1, max: 23_999 }), { maxLength: 10 }), async (bytes, cuts) => {
        const path = join(dir, `log-${n++}.log`);
        writeFileSync(path, bytes);
        const serial = await replay([path], null);
        const starts = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b)];
        assertSame(serial, await replay([path], { force: true, plan: () => starts }), `${source} damaged, cut at ${starts.join(',')}`);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 25) },
    );
  }
});

test('an ejabberd line that ends inside its stamp, before a line starting with `[`: the same with workers (no byte past a line is read)', async () => {
  const dir = tempDir();
  const real = readFileSync(join(FIXTURES, 'ejabberd-23.01', 'debug', 'ejabberd.log'), 'utf8').split('\n');
  const lines = [...real.slice(0, 40), '2026-11-25 12:24:14.3224051+00:00 ', '[info] not a stamp', '2026-11-25 12:24:15.322405+00:00', ' [', ...real.slice(40, 80)];
  const path = join(dir, 'ejabberd.log');
  writeFileSync(path, lines.join('\n'));
  const serial = await replay([path], null);
  const size = statSync(path).size;
  for (let cut = 1; cut < size; cut += 37) assertSame(serial, await replay([path], { force: true, plan: () => [0, cut] }), `cut at ${cut}`);
});

test('connections that close before a session opens, or after: the peer a session gets is the same with workers, wherever the cuts fall', async () => {
  // The worker's filter follows the pending connection (`SessionLineFilter`) and drops the
  // `Closing now` lines that withdraw nothing: these logs make each kind of them decide an IP.
  const line = (second: number, source: string, level: string, message: string) => `Sep 03 09:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')} ${source}\t${level}\t${message}`;
  const newConnection = (t: number, conn: string, ip: string) => line(t, conn, 'debug', `New connection FD 15 (${ip}, 4${t % 1000}, 203.0.113.5, 5222) on server 0.0.0.0`);
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const t = i * 7;
    const [a, b, c2s] = [`conn${i}a`, `conn${i}b`, `c2s55aa${i.toString(16)}`];
    const login = [line(t + 1, c2s, 'info', 'Client connected'), line(t + 2, c2s, 'debug', `Resource bound: user${i}@example.com/r`)];
    switch (i % 4) {
      case 0: // an HTTP request closes: the next session has no peer
        lines.push(newConnection(t, a, `198.51.100.${i}`), line(t, a, 'debug', 'Closing now'), ...login);
        break;
      case 1: // another connection's close withdraws nothing: the session gets the last peer, unless that closes too
        lines.push(newConnection(t, a, `198.51.100.${i}`), newConnection(t, b, `192.0.2.${i}`), line(t, a, 'debug', 'Closing now'));
        if (i % 8 === 5) lines.push(line(t, b, 'debug', 'Closing now'));
        lines.push(...login);
        break;
      case 2: // the session's own connection closes after it opened: nothing to withdraw, and the next session has no peer
        lines.push(newConnection(t, a, `192.0.2.${i}`), ...login, line(t + 3, a, 'debug', 'Closing now'), line(t + 4, `c2s66bb${i.toString(16)}`, 'info', 'Client connected'), line(t + 5, `c2s66bb${i.toString(16)}`, 'debug', `Resource bound: other${i}@example.com/r`));
        break;
      default: // a connection without an address closes
        lines.push(newConnection(t, a, ' '), line(t, a, 'debug', 'Closing now'), ...login);
    }
  }
  const path = join(tempDir(), 'prosody.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  utimesSync(path, Date.UTC(2026, 8, 4) / 1000, Date.UTC(2026, 8, 4) / 1000);
  const serial = await replay([path], null);
  const ips = serial.events.map((e) => JSON.parse(e)[5] as string | null);
  assert.ok(ips.includes(null) && ips.some((ip) => ip?.startsWith('192.0.2.')) && !ips.some((ip) => ip?.startsWith('198.51.100.')), 'the closes decide the peers');
  for (const bytes of [4096, 1000, 97]) assertSame(serial, await replay([path], { force: true, plan: (size) => rangeStarts(size, bytes) }), `in ${bytes}-byte ranges`);
  const size = statSync(path).size;
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: size - 1 }), { maxLength: 8 }), async (cuts) => {
      assertSame(serial, await replay([path], { force: true, plan: () => [0, ...cuts.sort((x, y) => x - y)] }), `cut at ${cuts.join(',')}`);
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 15) },
  );
});
