import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressLine, progressText, REDRAW_MS } from '../../src/cli/progress-line.js';

/** A terminal stand-in that keeps what was written. */
function fakeTerminal(columns = 80): NodeJS.WriteStream & { out: string[] } {
  const out: string[] = [];
  return { out, columns, isTTY: true, write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WriteStream & { out: string[] };
}

test('the line is redrawn at most every 250 ms however often reading advances, and erased at the end', () => {
  let now = 1_000;
  const term = fakeTerminal();
  const line = new ProgressLine(term, () => now);
  line.addTotal(100e6);
  for (let i = 0; i < 1000; i++) {
    now += 2; // 1000 chunks in 2 s of the fake clock
    line.addRead(100_000);
    line.addLogins(10);
  }
  assert.equal(REDRAW_MS, 250);
  assert.ok(term.out.length <= Math.ceil(2000 / REDRAW_MS) + 1, `${term.out.length} draws in 2 s`);
  assert.ok(term.out.length >= 2000 / REDRAW_MS - 1);
  line.end();
  assert.equal(term.out.at(-1), '\r\x1b[K');
  const drawn = term.out.length;
  line.addRead(1);
  assert.equal(term.out.length, drawn, 'nothing after the end');
});

test('the text: read of total, rate, logins, time left (hand-computed)', () => {
  // 25 MB of 100 MB in 5 s: 5 MB/s, 75 MB left = 15 s.
  assert.equal(progressText(25e6, 100e6, 12345, 5), 'reading 25.0 of 100.0 MB (25%), 5.0 MB/s, 12,345 logins, 0:15 left');
  // 10 MB of 629 MB in 1 s: 619 MB at 10 MB/s = 61.9 s left = 1:02.
  assert.equal(progressText(10e6, 629e6, 0, 1), 'reading 10.0 of 629.0 MB (1%), 10.0 MB/s, 0 logins, 1:02 left');
  assert.equal(progressText(1e6, 7300e6, 1, 1), 'reading 1.0 of 7300.0 MB (0%), 1.0 MB/s, 1 logins, 2:01:39 left');
  // Standard input: no total, so no share and no time left.
  assert.equal(progressText(3e6, 0, 2, 2), 'reading 3.0 MB, 1.5 MB/s, 2 logins');
  // A log that grew while read: never more than 100 %.
  assert.equal(progressText(120e6, 100e6, 0, 10), 'reading 100.0 of 100.0 MB (100%), 12.0 MB/s, 0 logins, 0:00 left');
});

test('never wider than the terminal (a wrapped line could not be erased)', () => {
  let now = 0;
  const term = fakeTerminal(30);
  const line = new ProgressLine(term, () => now);
  line.addTotal(1e9);
  now = 1000;
  line.addRead(5e6);
  assert.equal(term.out.length, 1);
  assert.equal(term.out[0].length, '\r\x1b[K'.length + 29);
});
