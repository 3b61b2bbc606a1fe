/**
 * Property tests of the `.dat` reader and writer (SPEC §3): whatever table we write reads back
 * as the same table, and whatever bytes a `.dat` file holds, reading it either gives data or a
 * one-line StoreFormatError naming the file, never another exception and never a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { StoreFormatError } from '../../src/errors.js';
import { luaStringFromBytes, parseLuaReturnChunk, type LuaKey, type LuaTable, type LuaValue } from '../../src/storage/lua/read-literal.js';
import { serializeLuaReturnChunk } from '../../src/storage/lua/write-literal.js';
import { parseHostRecord, parseUserRecord, serializeHostRecord } from '../../src/storage/records.js';
import { PROSODY_DATA, fixtureUserRecordFiles } from '../helpers/storage-fixtures.js';
import { bytesArb, checkProperty, mutationOf } from '../helpers/fuzz.js';

const FILE = '/data/example%2ecom/monthly%2dvisitors.dat';

/** A Lua string: any bytes (valid UTF-8 reads back as a JS string, anything else as LuaBytes). */
const luaString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  bytesArb(24).map((b) => luaStringFromBytes(b)),
  fc.constantFrom('last-recorded', 'client-?', 'geo-?-?-?', '../../etc/passwd', '\u0000', '\\', '"', "'", ']]', '--', '\r\n'),
);
const luaNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 63), 2 ** 63 - 1024, 0.1, -0, 1e308, 5e-324, Infinity, -Infinity),
);
const luaKey: fc.Arbitrary<LuaKey> = fc.oneof(luaString, luaNumber.filter((n) => !Number.isNaN(n)), fc.boolean(), fc.integer({ min: 1, max: 5 }));

const { table } = fc.letrec<{ table: LuaTable; value: LuaValue }>((tie) => ({
  table: fc
    .array(fc.tuple(luaKey, tie('value')), { maxLength: 6, depthIdentifier: 'lua' })
    .map((entries) => new Map(entries.map(([k, v]) => [k === 0 ? 0 : k, v] as [LuaKey, LuaValue]))),
  value: fc.oneof({ depthSize: 'small', depthIdentifier: 'lua' }, luaString, luaNumber, fc.boolean(), tie('table')),
}));

function sameValue(a: LuaValue | undefined, b: LuaValue | undefined): boolean {
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!sameValue(v, b.get(k))) return false;
    return true;
  }
  return Object.is(a, b); // LuaBytes are interned: the same bytes are the same object
}

test('fuzz: any table written as a .dat reads back as the same table', () => {
  checkProperty(
    fc.property(table, (t) => {
      const bytes = serializeLuaReturnChunk(t);
      assert.ok(bytes.every((b) => b === 0x0a || b === 0x09 || (b >= 0x20 && b < 0x7f)), 'the writer writes printable ASCII only');
      assert.ok(sameValue(parseLuaReturnChunk(bytes, FILE), t));
    }),
    300,
  );
});

/** The reader's whole contract: data, or a one-line StoreFormatError that names the file. */
function readsOrFailsCleanly(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    assert.ok(err instanceof StoreFormatError, `not a StoreFormatError: ${String(err)}`);
    assert.ok(err.message.startsWith(`${FILE}: `), err.message);
    assert.ok(!/[\n\r]/.test(err.message), `not one line: ${JSON.stringify(err.message)}`);
  }
}

const realFiles = [
  ...['example%2ecom', 'chat%2eexample%2eorg'].map((h) => join(PROSODY_DATA, h, 'monthly%2dvisitors.dat')),
  ...fixtureUserRecordFiles().slice(0, 3),
].map((f) => readFileSync(f));

test('fuzz: mutated real .dat files read as data or fail with a clean StoreFormatError', () => {
  for (const base of realFiles) {
    checkProperty(
      fc.property(mutationOf(base), (mutated) => {
        readsOrFailsCleanly(() => parseHostRecord(mutated, FILE));
        readsOrFailsCleanly(() => parseUserRecord(mutated, FILE));
      }),
      150,
      realFiles.length,
    );
  }
});

test('fuzz: random bytes, and Lua-looking token soup, are read or rejected cleanly', () => {
  const token = fc.constantFrom('return', '{', '}', '[', ']', '=', ';', ',', '"a\\', "'", '[[', ']]', '[==[', '--', '--[[', '\\ddd', '\\x', '\\u{', '\\z', '0x', '1e', '.', '-', '(', ')', '/', 'nil', 'true', 'os', '(1/0)', '\n', '\r', ' ', '\0', '\xff');
  checkProperty(
    fc.property(fc.oneof(bytesArb(300), fc.array(token, { maxLength: 60 }).map((ts) => Buffer.from(ts.join(''), 'latin1'))), (b) => {
      readsOrFailsCleanly(() => parseLuaReturnChunk(b, FILE));
    }),
    1000,
  );
});

test('fuzz: deeply nested or huge inputs stay bounded (a clear error, no stack overflow)', () => {
  checkProperty(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('{', '{[1]=', '{{', '-', '--[[', '"'), (n, unit) => {
      readsOrFailsCleanly(() => parseLuaReturnChunk(`return ${unit.repeat(n)}`, FILE));
    }),
    100,
  );
});

test('fuzz: host records with any month and key strings survive a write and a read', () => {
  const record = fc
    .array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.nat()), { maxLength: 5 })), { maxLength: 5 })
    .map((months) => new Map(months.map(([m, counts]) => [m, new Map(counts)])));
  checkProperty(
    fc.property(record, (rec) => {
      assert.deepEqual(parseHostRecord(serializeHostRecord(rec), FILE), rec);
    }),
    300,
  );
});
