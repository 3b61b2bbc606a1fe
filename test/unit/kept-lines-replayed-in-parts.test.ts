import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';
import { KeptCollector, nextPart, replayKept } from '../../src/sources/parallel/kept-collector.js';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import type { LineParser, ParserStats } from '../../src/sources/log-format.js';

/**
 * `tail --jobs` hands a worker's batch to its parser in parts of about a chunk, and checkpoints
 * after each part at the next kept line's offset: each part must give the parser the kept lines
 * in it and count exactly the lines of the log before that offset, wherever the parts are cut.
 */

const LOG = readFileSync(fixture('prosody-0.12-p1', 'prosody.debug.log'));
const BASE = 5000; // the batch begins at this offset of its file (a range, or a checkpoint)

/** A worker's batch of the whole log, with each kept line's offset. */
function batch() {
  let splitter: LineSplitter | null = null;
  const collector = new KeptCollector(prosodyFileFormat.lineFilter!(), () => BASE + splitter!.consumedBytes);
  splitter = new LineSplitter(collector);
  splitter.push(LOG);
  splitter.flush();
  return collector.take();
}

class Recorder implements LineParser {
  readonly stats: ParserStats = { lines: 0, unparsable: 0 };
  readonly seen: string[] = [];
  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.stats.lines++;
    this.seen.push(`${lineNo} ${buf.toString('latin1', start, end)}`);
  }
  nextFile(): void {}
  end(): void {}
}

/** Lines of the log that begin before `offset` of the file. */
function linesBefore(offset: number): number {
  let n = 0;
  for (let i = LOG.indexOf(0x0a); i >= 0 && BASE + i < offset; i = LOG.indexOf(0x0a, i + 1)) n++;
  return n;
}

test('a batch replayed in parts of any size gives the parser what the whole batch gives, and counts the lines before each cut', () => {
  const kept = batch();
  assert.ok(kept.ends.length > 20 && kept.ends.length < kept.lines, 'the filter keeps some lines, not all');
  const whole = new Recorder();
  replayKept(whole, kept, 10);
  assert.equal(whole.stats.lines, LOG.toString('latin1').split('\n').length - (LOG[LOG.length - 1] === 0x0a ? 1 : 0));
  assert.equal(kept.end, BASE + LOG.length);
  for (const bytes of [1, 97, 1000, 4096, 20000, LOG.length]) {
    const parts = new Recorder();
    let at = BASE;
    let count = 0;
    for (let from = 0, last = false; !last; count++) {
      const to = nextPart(kept, from, at, bytes);
      assert.ok(to > from || kept.ends.length === 0, 'every part moves on');
      last = to === kept.ends.length;
      replayKept(parts, kept, 10, undefined, from, to);
      at = last ? kept.end : kept.starts[to];
      if (!last) assert.equal(parts.stats.lines, linesBefore(at), `lines before the cut at ${at} (parts of ${bytes} bytes)`);
      from = to;
    }
    assert.deepEqual(parts.seen, whole.seen, `parts of ${bytes} bytes`);
    assert.deepEqual(parts.stats, whole.stats);
    if (bytes === 1) assert.equal(count, kept.ends.length, 'one kept line a part');
    if (bytes === LOG.length) assert.equal(count, 1, 'one part');
  }
});
