import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BIN, fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';

/**
 * An operator runs a long backfill, check, events or a catching-up `tail --once` at a terminal
 * and sees one line of progress that is gone when the run ends; the same run in cron, a pipe or
 * into a file carries none of it. The terminal is a real pseudo-terminal (`script` of util-linux),
 * with stdout sent to a file so that what the terminal shows is stderr alone.
 */

const SCRIPT = ['/usr/bin/script', '/bin/script'].find(existsSync);
const MMDB = join(fixture('prosody-0.12-p1'), 'test-GeoIP2-City.mmdb');
const LOGINS = 40_000; // ~4.5 MB: several 1 MB chunks, so the line is redrawn as it goes

function bigLog(dir: string): string {
  const lines: string[] = [];
  for (let i = 0; i < LOGINS; i++) {
    lines.push(`Sep 03 09:00:00 c2s${i}\tinfo\tClient connected`, `Sep 03 09:00:00 c2s${i}\tdebug\tResource bound: user${i % 5000}@example.com/Phone-${'x'.repeat(40)}`);
  }
  const path = join(dir, 'prosody.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI with stderr on a pseudo-terminal (stdout into `stdoutFile`, or the terminal too); returns what the terminal got. */
function onTerminal(args: string[], opts: { env?: Record<string, string>; stdoutFile?: string } = {}): { code: number; terminal: string } {
  const command = `${[process.execPath, BIN, ...args].map(quote).join(' ')}${opts.stdoutFile ? ` > ${quote(opts.stdoutFile)}` : ''}`;
  const r = spawnSync(SCRIPT!, ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', TERM: 'xterm', MONTHLY_VISITORS_PROSODY_CONFIG: '', COLUMNS: '120', ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, terminal: r.stdout };
}

const PROGRESS = /reading [\d.]+ of ([\d.]+) MB \(\d+%\), [\d.]+ MB\/s, [\d,]+ logins/;

/** What stays on the screen: `\r` goes back to the line's start, ESC[K clears to its end. */
function screen(output: string): string[] {
  const lines: string[] = [];
  let line = '';
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const c = output[i];
    if (output.startsWith('\x1b[K', i)) {
      line = line.slice(0, col);
      i += 2;
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      lines.push(line);
      line = '';
      col = 0;
    } else {
      line = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  lines.push(line);
  return lines;
}

function assertShownAndErased(terminal: string, totalMb: string): void {
  const drawn = terminal.match(new RegExp(PROGRESS.source, 'g')) ?? [];
  assert.ok(drawn.length >= 1, `the progress line was drawn: ${JSON.stringify(terminal.slice(0, 300))}`);
  for (const d of drawn) assert.equal(PROGRESS.exec(d)![1], totalMb, 'of the total bytes on disk');
  assert.ok(!screen(terminal).some((l) => /reading|MB\/s/.test(l)), `nothing of it stays on the screen: ${JSON.stringify(screen(terminal))}`);
  assert.doesNotMatch(terminal, /\x1b\[3\dm[^\x1b]*reading/, 'no colour in the line');
}

test('backfill, check and tail --once show the line on a terminal and erase it; gzip inputs count compressed bytes', { skip: SCRIPT ? false : 'no `script` (util-linux) to make a pseudo-terminal' }, () => {
  const dir = tempDir();
  const log = bigLog(dir);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const size = readFileSync(log).length;
  const counting = ['--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026'];

  const backfill = onTerminal(['backfill', '--data-dir', join(dir, 'data'), ...counting, log], { stdoutFile: join(dir, 'out.txt') });
  assert.equal(backfill.code, 0, backfill.terminal);
  assertShownAndErased(backfill.terminal, mb(size));
  assert.match(backfill.terminal, /backfill: 80000 lines, 40000 logins/, 'the summary follows, on a clean line');

  const check = onTerminal(['check', '--data-dir', join(dir, 'data'), ...counting, log]);
  assert.equal(check.code, 0, check.terminal);
  assertShownAndErased(check.terminal, mb(size));

  const tail = onTerminal(['tail', '--once', '--data-dir', join(dir, 'tailed'), ...counting, log], { stdoutFile: join(dir, 'out.txt') });
  assert.equal(tail.code, 0, tail.terminal);
  assertShownAndErased(tail.terminal, mb(size));

  const gz = join(dir, 'old.log.gz');
  writeFileSync(gz, gzipSync(readFileSync(log)));
  const compressed = onTerminal(['backfill', '--dry-run', '--data-dir', join(dir, 'data2'), ...counting, gz], { stdoutFile: join(dir, 'out.txt') });
  assert.equal(compressed.code, 0, compressed.terminal);
  assertShownAndErased(compressed.terminal, mb(readFileSync(gz).length));

  // events: on a terminal only when its stdout (the events) goes elsewhere.
  const events = onTerminal(['events', ...counting.slice(2), log], { stdoutFile: join(dir, 'events.jsonl') });
  assert.equal(events.code, 0, events.terminal);
  assertShownAndErased(events.terminal, mb(size));
  assert.equal(readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').length - 1, LOGINS, 'and never in the events');
});

test('no line with --quiet, --json, TERM=dumb, or events printed to the terminal; NO_COLOR keeps it, colourless', { skip: SCRIPT ? false : 'no `script` (util-linux) to make a pseudo-terminal' }, () => {
  const dir = tempDir();
  const log = bigLog(dir);
  const counting = ['--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026'];
  const out = join(dir, 'out.txt');
  for (const [args, env] of [
    [['backfill', '--dry-run', '-q', '--data-dir', join(dir, 'd'), ...counting, log], {}],
    [['backfill', '--dry-run', '--json', '--data-dir', join(dir, 'd'), ...counting, log], {}],
    [['backfill', '--dry-run', '--data-dir', join(dir, 'd'), ...counting, log], { TERM: 'dumb' }],
  ] as Array<[string[], Record<string, string>]>) {
    const r = onTerminal(args, { env, stdoutFile: out });
    assert.equal(r.code, 0, r.terminal);
    assert.doesNotMatch(r.terminal, /reading|MB\/s|\x1b\[K/, `${args.join(' ')} ${JSON.stringify(env)}`);
  }
  const events = onTerminal(['events', '--timezone', 'UTC', '--year', '2026', log]);
  assert.equal(events.code, 0);
  assert.doesNotMatch(events.terminal, /reading|MB\/s|\x1b\[K/, 'events on the terminal: the line would tear them');
  const noColor = onTerminal(['backfill', '--dry-run', '--data-dir', join(dir, 'd'), ...counting, log], { env: { NO_COLOR: '1' }, stdoutFile: out });
  assert.equal(noColor.code, 0, noColor.terminal);
  assertShownAndErased(noColor.terminal, ((readFileSync(log).length) / 1e6).toFixed(1));
  assert.doesNotMatch(noColor.terminal, /\x1b\[\d+m/, 'NO_COLOR: no colour anywhere');
});

test('in a pipe or a file nothing of the line is written', () => {
  const dir = tempDir();
  const log = bigLog(dir);
  const counting = ['--mmdb', MMDB, '--timezone', 'UTC', '--year', '2026'];
  for (const args of [
    ['backfill', '--data-dir', join(dir, 'data'), ...counting, log],
    ['check', '--data-dir', join(dir, 'data'), ...counting, log],
    ['tail', '--once', '--data-dir', join(dir, 'tailed'), ...counting, log],
    ['events', '--timezone', 'UTC', '--year', '2026', log],
  ]) {
    const r = runCli(args, { env: { TZ: 'UTC' } }); // stdout and stderr are pipes
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr + r.stdout, /reading [\d.]+|MB\/s|\r|\x1b/, args[0]);
  }
  // stderr into a file, as cron or a service manager would keep it.
  const file = join(dir, 'stderr.log');
  const r = spawnSync('/bin/sh', ['-c', `${[process.execPath, BIN, 'backfill', '--dry-run', '--data-dir', join(dir, 'x'), ...counting, log].map(quote).join(' ')} 2> ${quote(file)}`], {
    env: { ...process.env, MONTHLY_VISITORS_PROSODY_CONFIG: '' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0);
  assert.match(readFileSync(file, 'utf8'), /backfill \(dry run\): 80000 lines/);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /reading [\d.]+|MB\/s|\r|\x1b/);
});
