import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { append, chunksAt, cutsFor, rotate } from '../helpers/tail-scenario.js';

/**
 * The operator's cron job on a container host: `tail --once` on the runtime's live log file
 * (`<id>-json.log`, kubelet's `0.log`) while the runtime appends to it in pieces cut at any byte
 * (a JSON or CRI line half written at EOF; a line cut by the runtime into 16 KiB entries whose
 * pieces land in different runs) and rotates it with its own names. The store must end up what
 * the module stored for the same Prosody process.
 */
const C = fixture('containers-prosody-13.0');
const MMDB = join(C, 'test-GeoIP2-City.mmdb');
const DOCKER_ID = '4fb6c0ccd635086253791298b577d16d2299ff63251d47d727cfaa97383d995b';
const MODULE_STORE = JSON.parse(readFileSync(join(C, 'docker-json-file-tty-info', 'store.json'), 'utf8'));

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
}

/** The whole log of a derived set, oldest piece first (pieces named as the runtime names them). */
function wholeLog(dir: string, live: string, olderFirst: (a: string, b: string) => number): Buffer {
  const names = readdirSync(dir).filter((n) => n !== live).sort(olderFirst);
  return Buffer.concat([...names, live].map((n) => {
    const b = readFileSync(join(dir, n));
    return n.endsWith('.gz') ? gunzipSync(b) : b;
  }));
}

/** kubelet: renames `0.log` to `0.log.<time>`, the runtime reopens `0.log`; the previous rotated piece is gzipped. */
function kubeletRotate(live: string, generation: number): void {
  const dir = join(live, '..');
  for (const n of readdirSync(dir).filter((x) => /^0\.log\.\d{8}-\d{6}$/.test(x))) {
    writeFileSync(join(dir, `${n}.gz`), gzipSync(readFileSync(join(dir, n))));
    rmSync(join(dir, n));
  }
  renameSync(live, `${live}.20261206-0003${String(generation).padStart(2, '0')}`);
  writeFileSync(live, '');
}

interface Case {
  readonly name: string;
  readonly liveName: string;
  readonly log: Buffer;
  readonly rotate: (live: string, generation: number) => void;
}

const dockerNumber = (n: string) => Number(/\.(\d+)\.gz$/.exec(n)![1]);
const CASES: Case[] = [
  {
    name: "Docker json-file, compress=true (`<id>-json.log.1.gz`)",
    liveName: `${DOCKER_ID}-json.log`,
    log: wholeLog(join(C, 'derived', 'docker-json-file-debug-rotated'), `${DOCKER_ID}-json.log`, (a, b) => dockerNumber(b) - dockerNumber(a)),
    rotate: (live, g) => rotate(live, 'rename-gzip', g),
  },
  {
    name: 'Docker json-file without compression (`<id>-json.log.1`)',
    liveName: `${DOCKER_ID}-json.log`,
    log: wholeLog(join(C, 'derived', 'docker-json-file-debug-rotated'), `${DOCKER_ID}-json.log`, (a, b) => dockerNumber(b) - dockerNumber(a)),
    rotate: (live, g) => rotate(live, 'rename', g),
  },
  {
    name: "kubelet's CRI log (`0.log.<time>`, then `.gz`)",
    liveName: '0.log',
    log: wholeLog(join(C, 'derived', 'cri-debug-kubelet-rotated'), '0.log', (a, b) => a.localeCompare(b)),
    rotate: kubeletRotate,
  },
];

for (const [n, c] of CASES.entries()) {
  test(`tail --once across the runtime's rotation: ${c.name}`, () => {
    const dir = tempDir();
    const live = join(dir, c.liveName);
    const data = join(dir, 'data');
    mkdirSync(data); // Prosody's data dir exists (a missing one is created, with a warning)
    const text = c.log.toString('latin1');
    // Random cuts (mostly inside a JSON/CRI line), cuts after a session's first line, a cut after
    // the first piece of the line the runtime split, and one in the middle of a login line.
    const cuts = cutsFor(c.log, n + 7, 6, 'New connection FD', 3);
    const long = text.indexOf('id=\\"LONG') >= 0 ? text.indexOf('id=\\"LONG') : text.indexOf('id="LONG');
    cuts.push(text.indexOf('\n', long) + 1, text.indexOf('Resource bound', text.length / 2) + 5);
    const sorted = [...new Set(cuts)].sort((a, b) => a - b);
    const rotateAt = [sorted[Math.floor(sorted.length / 3)], sorted[Math.floor((2 * sorted.length) / 3)]].map((cut) => c.log.indexOf(0x0a, cut - 1) + 1);
    const chunks = chunksAt(c.log, [...new Set([...sorted, ...rotateAt])].sort((a, b) => a - b));
    const ends = chunks.map((_, i) => chunks.slice(0, i + 1).reduce((s, b) => s + b.length, 0));
    const rotateAfter = new Set(rotateAt.map((at) => ends.indexOf(at)));
    let generation = 0;
    for (const [i, chunk] of chunks.entries()) {
      append(live, chunk);
      if (rotateAfter.has(i)) c.rotate(live, generation++);
      const r = runCli(['tail', '--once', '--json', '--data-dir', data, '--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', live]);
      assert.equal(r.code, 0, `step ${i}: ${r.stderr}`);
      const summary = JSON.parse(r.stdout);
      // A line half written at EOF waits for its end; it is never read as a broken line.
      assert.equal(summary.unparsable, 0, `step ${i}`);
      assert.doesNotMatch(r.stderr, /warning/i, `step ${i}`);
    }
    assert.equal(generation, 2);
    assert.equal(canonical(readStoreWithLua(data)), canonical(MODULE_STORE));
    const again = runCli(['tail', '--once', '--json', '--data-dir', data, '--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', live]);
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout);
    assert.deepEqual([summary.store.written, summary.inputs[0].bytesRead], [0, 0]);
  });
}
