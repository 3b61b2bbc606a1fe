import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, MAX_LINE_BYTES } from '../../src/sources/line-splitter.js';
import type { LineParser } from '../../src/sources/log-format.js';

function collector(): LineParser & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    stats: { lines: 0, unparsable: 0 },
    line(buf, start, end) {
      this.stats.lines++;
      got.push(buf.toString('utf8', start, end));
    },
    nextFile() {},
    end() {},
  };
}

test('lines split across chunks are joined; CRLF is stripped; a last line without newline counts', () => {
  const p = collector();
  const s = new LineSplitter(p);
  for (const part of ['ab', 'c\r\nde', 'f\n\ng', 'h']) s.push(Buffer.from(part));
  s.end();
  assert.deepEqual(p.got, ['abc', 'def', '', 'gh']);
  assert.equal(s.consumedBytes, 12);
});

test('consumedBytes counts only complete lines until the end', () => {
  const p = collector();
  const s = new LineSplitter(p);
  s.push(Buffer.from('one\ntwo\nthr'));
  assert.equal(s.consumedBytes, 8);
  assert.deepEqual(p.got, ['one', 'two']);
});

test('an overlong line is skipped as unparsable without holding it in memory', () => {
  const p = collector();
  const s = new LineSplitter(p);
  s.push(Buffer.from('before\n'));
  const big = Buffer.alloc(64 * 1024, 0x41);
  for (let i = 0; i < (3 * MAX_LINE_BYTES) / big.length; i++) s.push(big);
  s.push(Buffer.from('tail of the long line\nafter\n'));
  s.end();
  assert.deepEqual(p.got, ['before', 'after']);
  assert.equal(p.stats.unparsable, 1);
  assert.equal(p.stats.lines, 3);
  assert.equal(s.consumedBytes, 7 + 3 * MAX_LINE_BYTES + 22 + 6);
});
