import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';
import { append, chunksAt, cutsFor, rotate, storeContents, type RotationStyle } from '../helpers/tail-scenario.js';

/**
 * The operator's cron job: a real log grows in chunks cut at arbitrary bytes (mid-line, and
 * between a session's connect and its login), logrotate rotates it underneath in each of its
 * styles, and `tail --once` runs after every step. The store must end up byte for byte what one
 * `backfill` over the whole log writes.
 */

interface LogCase {
  readonly name: string;
  readonly log: Buffer;
  readonly mmdb: string;
  readonly args: string[];
  /** A session's first line: a cut just after it separates connect from login. */
  readonly sessionMarker: string;
}

const CAPTURED = fixture('prosody-0.12-captured');
const CASES: LogCase[] = [
  {
    name: 'Prosody debug log across a month boundary',
    log: readFileSync(join(CAPTURED, 'month-boundary.debug.log')),
    mmdb: join(CAPTURED, 'test-GeoIP2-City.mmdb'),
    args: [...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'],
    sessionMarker: 'New connection FD',
  },
  {
    name: 'Prosody info log (logins are authentications)',
    log: readFileSync(join(CAPTURED, 'month-boundary.info.log')),
    mmdb: join(CAPTURED, 'test-GeoIP2-City.mmdb'),
    args: [...MODULE_README_PATTERNS, '--timezone', 'UTC', '--year', '2026'],
    sessionMarker: 'Authenticated as',
  },
  {
    name: 'ejabberd info log',
    log: readFileSync(fixture('ejabberd-23.01', 'info-ipv4', 'ejabberd.log')),
    mmdb: join(CAPTURED, 'test-GeoIP2-City.mmdb'),
    args: [...MODULE_README_PATTERNS],
    sessionMarker: 'Accepted connection',
  },
];

const STYLES: RotationStyle[] = ['rename', 'copytruncate', 'rename-gzip', 'dateext', 'rename-late-create'];

function expectedStore(c: LogCase): Map<string, string> {
  const dir = tempDir();
  const log = join(dir, 'whole.log');
  append(log, c.log);
  const r = runCli(['backfill', '--data-dir', join(dir, 'data'), '--mmdb', c.mmdb, ...c.args, log]);
  assert.equal(r.code, 0, r.stderr);
  return storeContents(join(dir, 'data'));
}

function tailOnce(c: LogCase, data: string, live: string) {
  return runCli(['tail', '--once', '--data-dir', data, '--mmdb', c.mmdb, ...c.args, live]);
}

for (const c of CASES) {
  const expected = expectedStore(c);
  test(`${c.name}: the expected store is not empty`, () => {
    assert.ok([...expected.keys()].some((p) => p.endsWith('monthly%2dvisitors.dat')));
  });
  // Every style on the debug log; the others with the styles that differ most (runs are slow).
  const styles = c === CASES[0] ? STYLES : STYLES.filter((s) => s !== 'dateext' && s !== 'rename-late-create');
  for (const [n, style] of styles.entries()) {
    for (const seed of [n + 1]) {
      test(`log_rotation_${style}_partial_lines: ${c.name}, seed ${seed}`, () => {
        const dir = tempDir();
        const live = join(dir, 'server.log');
        const data = join(dir, 'data');
        const cuts = cutsFor(c.log, seed, 6, c.sessionMarker, 3);
        // Rotate twice, after appending (so the old file has lines no run has read yet). A server
        // writes whole lines, so the file is rotated at the end of the line being written.
        const rotateAt = [cuts[Math.floor(cuts.length / 3)], cuts[Math.floor((2 * cuts.length) / 3)]].map(
          (cut) => c.log.indexOf(0x0a, cut - 1) + 1,
        );
        const chunks = chunksAt(c.log, [...new Set([...cuts, ...rotateAt])].sort((a, b) => a - b));
        const ends = chunks.map((_, i) => chunks.slice(0, i + 1).reduce((n, b) => n + b.length, 0));
        const rotateAfter = new Set(rotateAt.map((at) => ends.indexOf(at)));
        let generation = 0;
        for (const [i, chunk] of chunks.entries()) {
          append(live, chunk);
          if (rotateAfter.has(i)) rotate(live, style, generation++);
          const r = tailOnce(c, data, live);
          assert.equal(r.code, 0, `step ${i}: ${r.stderr}`);
          if (style === 'rename-late-create' && !existsSync(live)) assert.match(r.stderr, /not there|missing|waiting/i, r.stderr);
        }
        assert.deepEqual(storeContents(data), expected);
        // One more run with nothing new changes nothing.
        const again = runCli(['tail', '--once', '--json', '--data-dir', data, '--mmdb', c.mmdb, ...c.args, live]);
        assert.equal(again.code, 0, again.stderr);
        const summary = JSON.parse(again.stdout);
        assert.deepEqual([summary.store.written, summary.inputs[0].bytesRead], [0, 0]);
      });
    }
  }
}
