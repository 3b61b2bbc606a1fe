import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreFormatError } from '../../src/errors.js';
import {
  HOST_RECORD_FILE,
  STORE_DIR_NAME,
  STORE_NAME,
  decodeCanonicalNode,
  decodeNode,
  decodeNodeBytes,
  encodeNode,
  encodeStoreName,
  hostDir,
  hostRecordPath,
  userRecordDir,
  userRecordPath,
} from '../../src/storage/prosody-paths.js';
import fc from 'fast-check';
import { serializeLuaReturnChunk } from '../../src/storage/lua/write-literal.js';
import { parseLuaTableChunk } from '../../src/storage/lua/read-literal.js';
import {
  hostRecordFromLua,
  hostRecordToLua,
  parseHostRecord,
  parseUserRecord,
  plainHostRecord,
  serializeHostRecord,
  serializeUserRecord,
  type HostRecord,
} from '../../src/storage/records.js';
import { PROSODY_DATA as DATA, PROSODY_FIXTURE as FIXTURE, fixtureHostRecordFiles } from '../helpers/storage-fixtures.js';

describe('paths: datamanager encode / store_encode / decode', () => {
  test('examples', () => {
    assert.equal(encodeNode('example.com'), 'example%2ecom');
    assert.equal(encodeNode('émile'), '%c3%a9mile');
    assert.equal(encodeNode('dave_1'), 'dave%5f1');
    assert.equal(encodeNode('Bob.Smith'), 'Bob%2eSmith');
    assert.equal(encodeNode('a b/c%'), 'a%20b%2fc%25');
    assert.equal(encodeNode('😀'), '%f0%9f%98%80');
    assert.equal(encodeNode('abcXYZ019'), 'abcXYZ019');
    assert.equal(encodeStoreName(STORE_NAME), STORE_DIR_NAME);
    assert.equal(encodeStoreName('monthly_visitors-x'), 'monthly_visitors%2dx');
    assert.equal(HOST_RECORD_FILE, 'monthly%2dvisitors.dat');
    assert.throws(() => encodeNode('\ud800'), TypeError);
  });
  test('decode is lenient like Lua gsub("%%(%x%x)"), canonical names round-trip', () => {
    assert.equal(decodeNode('example%2ecom'), 'example.com');
    assert.equal(decodeNode('%C3%A9mile'), 'émile');
    assert.equal(decodeNode('100%'), '100%');
    assert.equal(decodeNode('%zz%4'), '%zz%4');
    assert.equal(decodeNode('%ff'), undefined); // not UTF-8
    assert.deepEqual([...decodeNodeBytes('%ff%00')], [0xff, 0x00]);
    assert.equal(decodeCanonicalNode('example%2ecom'), 'example.com');
    assert.equal(decodeCanonicalNode('example.com'), undefined);
    assert.equal(decodeCanonicalNode('%C3%A9mile'), undefined);
    assert.equal(decodeCanonicalNode('_global'), undefined);
    assert.equal(decodeCanonicalNode(''), undefined);
  });
  test('against the real file names Prosody 0.12.3 wrote', () => {
    const manifest = JSON.parse(readFileSync(join(FIXTURE, 'manifest.json'), 'utf8')) as { hosts: string[] };
    const hostDirs = readdirSync(DATA).sort();
    assert.deepEqual(manifest.hosts.map(encodeNode).sort(), hostDirs);
    for (const host of manifest.hosts) {
      assert.ok(existsSync(hostRecordPath(DATA, host)), host);
      assert.equal(hostDir(DATA, host), join(DATA, encodeNode(host)));
      assert.equal(userRecordDir(DATA, host), join(DATA, encodeNode(host), 'monthly%2dvisitors'));
    }
    // every user file name decodes to a user and encodes back to itself
    const users: Record<string, string[]> = {
      'example.com': ['alice', 'bob.smith', 'carol-x', 'dave_1', 'émile', 'grace'],
      'chat.example.org': ['alice', 'bob.smith', 'carol-x', 'dave_1', 'heidi'],
    };
    for (const [host, list] of Object.entries(users)) {
      const names = readdirSync(userRecordDir(DATA, host)).sort();
      assert.deepEqual(list.map((u) => `${encodeNode(u)}.dat`).sort(), names);
      for (const u of list) {
        assert.ok(existsSync(userRecordPath(DATA, host, u)), `${host} ${u}`);
        assert.equal(decodeCanonicalNode(encodeNode(u)), u);
      }
    }
    assert.ok(readdirSync(join(DATA, 'example%2ecom', 'monthly%2dvisitors')).includes('%c3%a9mile.dat'));
    assert.throws(() => userRecordPath(DATA, 'example.com', ''), TypeError);
    assert.throws(() => hostDir(DATA, ''), TypeError);
  });
});

describe('records', () => {
  const F = '/d/example%2ecom/monthly%2dvisitors.dat';
  test('host record of the fixture', () => {
    const file = join(DATA, 'example%2ecom', HOST_RECORD_FILE);
    const rec = parseHostRecord(readFileSync(file), file);
    assert.deepEqual([...rec.keys()], ['2026-09']);
    assert.equal(rec.get('2026-09')!.get('client-IOS'), 2);
    assert.equal(rec.get('2026-09')!.size, 10);
  });
  test('lenient names, strict shape', () => {
    const rec = parseHostRecord('return { ["2026-9"] = { ["anything"] = 0 }, ["x"] = {} }', F);
    assert.deepEqual(rec, new Map([['2026-9', new Map([['anything', 0]])], ['x', new Map()]]));
    assert.deepEqual(parseHostRecord('return nil', F), new Map());
    const bad: Array<[string, RegExp]> = [
      ['return 1', /the file returns a number, not a table/],
      ['return { 1 }', /key 1 is not a month string/],
      ['return { ["2026-09"] = 3 }', /month "2026-09" holds 3, not a table of counts/],
      ['return { ["2026-09"] = { 1 } }', /month "2026-09": key 1 is not a string/],
      ['return { ["2026-09"] = { a = -1 } }', /month "2026-09", key "a": the count is -1, not a non-negative integer/],
      ['return { ["2026-09"] = { a = 1.5 } }', /the count is 1\.5/],
      ['return { ["2026-09"] = { a = "1" } }', /the count is the string "1"/],
      ['return { ["2026-09"] = { a = {} } }', /the count is a table/],
      ['return { ["2026-09"] = { a = (1/0) } }', /the count is Infinity/],
      ['return { ["2026-09"] = { a = 1e300 } }', /not a non-negative integer/],
      ['return { ["\\255"] = {} }', /not a month string/],
    ];
    for (const [text, re] of bad) {
      assert.throws(
        () => parseHostRecord(text, F),
        (e: unknown) => e instanceof StoreFormatError && e.message.startsWith(`${F}: `) && re.test(e.message),
        text,
      );
    }
    assert.throws(() => parseHostRecord('return os.exit()', F), /^StoreFormatError: \/d\/example%2ecom\/monthly%2dvisitors\.dat: line 1: unexpected identifier 'os'/);
  });
  test('serialize host record: sorted, Prosody layout', () => {
    const rec: HostRecord = new Map([
      ['2026-10', new Map([['geo-DE-HE-2925533', 1], ['client-IOS', 3]])],
      ['2026-09', new Map([['client-?', 1]])],
    ]);
    assert.equal(
      serializeHostRecord(rec).toString(),
      'return {\n\t["2026-09"] = {\n\t\t["client-?"] = 1;\n\t};\n\t["2026-10"] = {\n\t\t["client-IOS"] = 3;\n\t\t["geo-DE-HE-2925533"] = 1;\n\t};\n};\n',
    );
    assert.deepEqual(parseHostRecord(serializeHostRecord(rec), F), rec);
    assert.throws(() => serializeHostRecord(new Map([['m', new Map([['k', -1]])]])), TypeError);
    assert.throws(() => serializeHostRecord(new Map([['m', new Map([['k', 0.5]])]])), TypeError);
  });
  test('serialize host record: the direct writer gives the same bytes as the general Lua writer, for any keys', () => {
    // Plain keys take the direct path; a quote, backslash, control byte, non-ASCII or astral
    // character anywhere sends the record to the general writer (checked against Lua elsewhere).
    const keyArb = fc.oneof(
      fc.stringMatching(/^(client|geo)-[A-Za-z0-9?.-]{0,12}$/),
      fc.string({ unit: fc.constantFrom('a', 'Z', '-', '?', ' ', '"', "'", '\\', '\n', 'é', '\u{1F600}', '\uE000', '~'), maxLength: 6 }),
    );
    const countsArb = fc.dictionary(keyArb, fc.nat({ max: 2 ** 40 }), { maxKeys: 12 });
    const recordArb = fc.dictionary(fc.oneof(fc.constantFrom('2026-07', '2026-08', '2025-12'), keyArb), countsArb, { maxKeys: 4 });
    fc.assert(
      fc.property(recordArb, (obj) => {
        const rec: HostRecord = new Map(Object.entries(obj).map(([m, c]) => [m, new Map(Object.entries(c))]));
        assert.deepEqual(serializeHostRecord(rec), serializeLuaReturnChunk(hostRecordToLua(rec)));
      }),
      { numRuns: 2000 },
    );
    // Counts are checked on the direct path too.
    assert.throws(() => serializeHostRecord(new Map([['2026-07', new Map([['client-?', -0.5]])]])), TypeError);
  });
  test('parse host record: the direct reader reads what the general Lua reader reads, and nothing it rejects', () => {
    const keyArb = fc.oneof(
      fc.stringMatching(/^(client|geo)-[A-Za-z0-9?.-]{0,12}$/),
      fc.string({ unit: fc.constantFrom('a', '-', '?', ' ', '"', '\\', 'é', '}', '\n', '\t', ';', '='), maxLength: 5 }),
    );
    const countsArb = fc.dictionary(keyArb, fc.oneof(fc.nat({ max: 99 }), fc.constantFrom(2 ** 53 - 1, 2 ** 53)), { maxKeys: 6 });
    const recordArb = fc.dictionary(fc.oneof(fc.constantFrom('2026-07', '2026-08'), keyArb), countsArb, { maxKeys: 3 });
    // The general reader alone: what parseHostRecord gave before the direct path existed.
    const general = (text: string) => {
      try {
        return hostRecordFromLua(parseLuaTableChunk(Buffer.from(text, 'latin1'), F), F);
      } catch (e) {
        return e instanceof StoreFormatError ? 'rejected' : e;
      }
    };
    const direct = (text: string) => {
      try {
        return parseHostRecord(Buffer.from(text, 'latin1'), F);
      } catch (e) {
        return e instanceof StoreFormatError ? 'rejected' : e;
      }
    };
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom('', '"', ';', '\n', '\t', ' ', '{', '}', '-', '0', '9', 'x', ']'));
    fc.assert(
      fc.property(recordArb, fc.array(edit, { maxLength: 3 }), (obj, edits) => {
        const rec: HostRecord = new Map(Object.entries(obj).map(([m, c]) => [m, new Map(Object.entries(c))]));
        let text: string;
        try {
          text = serializeLuaReturnChunk(hostRecordToLua(rec)).toString('latin1');
        } catch {
          return; // a count the writer refuses (2^53)
        }
        // Damage the text here and there: the direct reader must read it as the general one does.
        for (const [at, cut, insert] of edits) {
          const p = at % (text.length + 1);
          text = text.slice(0, p) + insert + text.slice(p + cut);
        }
        assert.deepEqual(direct(text), general(text), JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
    // The module's own files, as Prosody 0.12 wrote them, take the direct path.
    for (const file of fixtureHostRecordFiles()) {
      const text = readFileSync(file, 'latin1');
      const fast = plainHostRecord(text);
      assert.notEqual(fast, null, file);
      assert.deepEqual(fast, general(text), file);
    }
    // Prosody's own files (random key order) and the empty record.
    assert.deepEqual(parseHostRecord('return {\n\t["2026-09"] = {\n\t\t["geo-?"] = 2;\n\t\t["client-?"] = 2;\n\t};\n};\n', F), new Map([['2026-09', new Map([['geo-?', 2], ['client-?', 2]])]]));
    assert.deepEqual(parseHostRecord('return {};\n', F), new Map());
  });
  test('user record: last-recorded, unknown keys kept on rewrite', () => {
    const U = '/d/h/monthly%2dvisitors/alice.dat';
    assert.deepEqual(parseUserRecord('return { ["last-recorded"] = "2026-09" }', U), { lastRecorded: '2026-09', extra: new Map() });
    const withExtra = parseUserRecord('return { ["last-recorded"] = "2026-08", future = { 1, 2 }, ["x-y"] = true }', U);
    assert.equal(withExtra.lastRecorded, '2026-08');
    assert.equal(withExtra.extra.size, 2);
    const rewritten = serializeUserRecord({ ...withExtra, lastRecorded: '2026-09' }).toString();
    assert.equal(rewritten, 'return {\n\t["future"] = {\n\t\t1;\n\t\t2;\n\t};\n\t["last-recorded"] = "2026-09";\n\t["x-y"] = true;\n};\n');
    assert.deepEqual(parseUserRecord(rewritten, U).extra, withExtra.extra);
    assert.equal(serializeUserRecord({ lastRecorded: '2026-09' }).toString(), 'return {\n\t["last-recorded"] = "2026-09";\n};\n');
    assert.deepEqual(parseUserRecord('return {}', U), { lastRecorded: undefined, extra: new Map() });
    assert.throws(() => parseUserRecord('return { ["last-recorded"] = 202609 }', U), /^StoreFormatError: \/d\/h\/monthly%2dvisitors\/alice\.dat: "last-recorded" is 202609, not a month string/);
    assert.throws(() => parseUserRecord('return "2026-09"', U), /returns a string, not a table/);
  });
});
