/**
 * The parsers' shortcuts on a line's bytes must change nothing: a session id's or pid's key is
 * equal for two ids exactly when their bytes are (`hexIdKey`, `pidKey`), a held id compares as
 * its bytes do (`HeldBytes`), and a JID's parts read from its bytes (`nameAt`, `resourceAt`) are
 * what decoding the whole JID, slicing it and normalising the parts gives; a connection's peer
 * held as bytes is the text between `(` and `,` of its `New connection`, trimmed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hexIdKey, pidKey } from '../../src/sources/session-table.js';
import { HeldBytes, indexOfByte } from '../../src/sources/bytes.js';
import { nameAt, resourceAt } from '../../src/sources/jid-bytes.js';
import { normalizeName, normalizeResource } from '../../src/core/normalize.js';
import { checkProperty } from '../helpers/fuzz.js';
import { parseText } from '../helpers/parse-lines.js';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';

const text = (alphabet: string[], maxLength: number) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength });
// Small alphabets and short ids, so that near misses (`0a` and `a`, `<0.05.0>` and `<0.5.0>`) are common.
const hexId = fc.oneof(text(['0', 'a', 'A', ' '], 3), text(['0', '1', '9', 'a', 'f', 'g', 'F'], 15)).map((s) => `c2s${s}`);
const digits = fc.oneof(text(['0', '1'], 3), fc.constantFrom(String(2 ** 16 - 1), String(2 ** 16), String(2 ** 32 - 1), String(2 ** 32), String(2 ** 40)));
const pid = fc.oneof(
  fc.tuple(fc.constantFrom('0', '1', '00'), digits, digits).map(([a, b, c]) => `<${a}.${b}.${c}>`),
  text(['<', '>', '.', '0', '1', 'x'], 10),
);

/** Two ids, unrelated or one an edit of the other (a character inserted or deleted: `a`/`0a`, `<0.5.0>`/`<0.05.0>`). */
const pairOf = (id: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.tuple(id, id),
    fc.tuple(id, fc.nat(20), fc.constantFrom('0', '1', '.', '')).map(([a, at, c]): [string, string] => {
      const i = at % (a.length + 1);
      return [a, a.slice(0, i) + c + a.slice(c === '' ? i + 1 : i)];
    }),
  );

/** Keys of two ids, each inside a line of other bytes, as a parser sees them. */
function keysOf(make: (buf: Buffer, start: number, end: number) => unknown, a: string, b: string): [unknown, unknown] {
  const line = Buffer.from(`x${a}\t${b}>`, 'latin1');
  return [make(line, 1, 1 + a.length), make(line, 2 + a.length, 2 + a.length + b.length)];
}

test('fuzz: two c2s ids have the same key exactly when they are the same id', () => {
  checkProperty(
    fc.property(pairOf(hexId), ([a, b]) => {
      const [ka, kb] = keysOf((buf, s, e) => hexIdKey(buf, s, e, 3), a, b);
      assert.equal(ka === kb, a === b, `${a} / ${b}`);
    }),
    2000,
  );
  assert.equal(typeof hexIdKey(Buffer.from('c2s55d2451c4270'), 0, 15, 3), 'number'); // the common case makes no string
});

test('fuzz: two ejabberd pids have the same key exactly when they are the same pid', () => {
  checkProperty(
    fc.property(pairOf(pid), ([a, b]) => {
      const [ka, kb] = keysOf(pidKey, a, b);
      assert.equal(ka === kb, a === b, `${a} / ${b}`);
    }),
    2000,
  );
  assert.equal(typeof pidKey(Buffer.from('<0.515.0>'), 0, 9), 'number');
  const [high, low] = keysOf(pidKey, '<0.0.65536>', '<0.1.0>'); // the serial past its 16 bits
  assert.notEqual(high, low);
});

test('fuzz: held bytes equal a line\'s bytes exactly when they are the same', () => {
  const id = text(['c', 'o', 'n', 'A', '-', '…'], 40);
  checkProperty(
    fc.property(id, id, (a, b) => {
      const held = new HeldBytes();
      held.hold(Buffer.from(`${a}\t`), 0, Buffer.byteLength(a));
      const line = Buffer.from(`\t${b}\t`);
      assert.equal(held.equals(line, 1, 1 + Buffer.byteLength(b)), Buffer.from(a).equals(Buffer.from(b)));
    }),
    1000,
  );
});

// Bytes of JIDs: ASCII of both cases, the separators, spaces, UTF-8 characters and their broken pieces.
const jidPiece = fc.constantFrom('a', 'Z', '.', '@', '/', ' ', '~', '\x7f', '\t', 'é', 'Ä', 'Ａ', '\u00ad', 'ﬁ', '\ufeff', '\xe2\x82', '\x80', '\xff');
const jidBytes = fc.array(jidPiece, { maxLength: 16 }).map((pieces) => Buffer.concat(pieces.map((p) => (/^[\x80-\xff]+$/.test(p) ? Buffer.from(p, 'latin1') : Buffer.from(p)))));

test('fuzz: JID parts read from bytes are the normalised parts of the decoded JID', () => {
  checkProperty(
    fc.property(jidBytes, (raw) => {
      const buf = Buffer.concat([Buffer.from('Resource bound: '), raw, Buffer.from('\nnext')]);
      const start = 16;
      const end = start + raw.length;
      const jid = raw.toString('utf8');
      const at = jid.indexOf('@');
      const slash = jid.indexOf('/', at + 1);
      const byteAt = indexOfByte(buf, 0x40, start, end);
      const byteSlash = indexOfByte(buf, 0x2f, byteAt < 0 ? start : byteAt + 1, end);
      assert.equal(byteAt > start, at > 0);
      assert.equal(byteSlash >= 0, slash >= 0);
      if (at > 0) {
        assert.equal(nameAt(buf, start, byteAt), normalizeName(jid.slice(0, at)));
        assert.equal(nameAt(buf, byteAt + 1, byteSlash >= 0 ? byteSlash : end), normalizeName(jid.slice(at + 1, slash >= 0 ? slash : jid.length)));
      }
      if (slash >= 0) assert.equal(resourceAt(buf, byteSlash + 1, end), normalizeResource(jid.slice(slash + 1)));
      assert.equal(nameAt(buf, start, end), normalizeName(jid));
      assert.equal(resourceAt(buf, start, end), normalizeResource(jid));
    }),
    3000,
  );
});

test('fuzz: a session\'s peer is the latin1 text between ( and , of its New connection, trimmed', () => {
  const peerText = text([' ', '\t', '\x0b', '\r', '\xa0', '\x85', '\u00ff', '1', '.', ':', 'a', ',', '(', ')'], 12);
  checkProperty(
    fc.property(peerText, (peer) => {
      const message = `New connection FD 15 (${peer}, 35489, 127.0.0.1, 5222) on server 0.0.0.0`;
      const log = [
        `Sep 03 09:00:00 conn55aa1\tdebug\t${message}`,
        'Sep 03 09:00:00 c2s55aa2\tinfo\tClient connected',
        'Sep 03 09:00:01 c2s55aa2\tdebug\tResource bound: alice@example.com/r',
      ].join('\n');
      const { events } = parseText(prosodyFileFormat, Buffer.from(`${log}\n`, 'latin1'));
      const open = message.indexOf('(');
      const expected = message.slice(open + 1, message.indexOf(',', open + 1)).trim() || null;
      assert.equal(events.length, 1);
      assert.equal(events[0].ip, expected, JSON.stringify(peer));
    }),
    1000,
  );
});
