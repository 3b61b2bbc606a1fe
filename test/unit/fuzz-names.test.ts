/**
 * Names on disk (SPEC §3): whatever a user or host name is, its encoded form is one plain file
 * name (no `/`, never `.` or `..`), decodes back to the name, and when `isStorableName` says it
 * fits, the real file (and its `~`) can be created inside its folder. When it does not fit, the
 * encoded name is really over NAME_MAX: names are skipped only when they must be.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { NAME_MAX, decodeNode, encodeNode, encodedNodeLength, hostRecordPath, isStorableName, userRecordPath } from '../../src/storage/prosody-paths.js';
import { tempDir } from '../helpers/tree.js';
import { isWellFormedString } from '../../src/storage/lua/lua-bytes.js';
import { checkProperty } from '../helpers/fuzz.js';

const name = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('.', '/', '\\', '%', '\0', '\x1b', '\u202e', 'é', '𝕏', 'a'), minLength: 1, maxLength: 120 }),
  fc.integer({ min: 60, max: 300 }).map((n) => 'x'.repeat(n)),
);

test('fuzz: an encoded name is one safe file name that decodes back', () => {
  checkProperty(
    fc.property(name, (s) => {
      const e = encodeNode(s);
      assert.match(e, /^[A-Za-z0-9%]*$/);
      assert.ok(e !== '.' && e !== '..');
      if (s.length > 0) assert.equal(decodeNode(e), s);
    }),
    1000,
  );
});

test('fuzz: encodedNodeLength is the length of encodeNode, without building it', () => {
  checkProperty(
    fc.property(name.filter(isWellFormedString), (s) => {
      assert.equal(encodedNodeLength(s), encodeNode(s).length);
    }),
    2000,
  );
  // by hand: `a` 1, `.` %2e 3, `é` %c3%a9 6, `€` 9, `𝕏` (U+1D54F, 4 bytes) 12
  assert.equal(encodedNodeLength('a.é€𝕏'), 1 + 3 + 6 + 9 + 12);
});

test('fuzz: a storable name can really be created inside its folder; an unstorable one is really too long', () => {
  const data = tempDir();
  checkProperty(
    fc.property(name.filter((s) => s.length > 0), name.filter((s) => s.length > 0), (host, user) => {
      if (!isStorableName(host, user)) {
        assert.ok(Buffer.byteLength(encodeNode(host)) > NAME_MAX || Buffer.byteLength(`${encodeNode(user)}.dat~`) > NAME_MAX);
        return;
      }
      const file = userRecordPath(data, host, user);
      assert.ok(resolve(file).startsWith(`${resolve(data)}/`) && resolve(hostRecordPath(data, host)).startsWith(`${resolve(data)}/`));
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(`${file}~`, 'x'); // ENAMETOOLONG would throw here
      writeFileSync(file, 'x');
      rmSync(join(data, encodeNode(host)), { recursive: true });
    }),
    200,
  );
});

test('the limits, worked out by hand: 83 dots fit a user file (249 + ".dat~" = 254 bytes), 84 do not', () => {
  assert.equal(isStorableName('example.com', '.'.repeat(83)), true);
  assert.equal(isStorableName('example.com', '.'.repeat(84)), false);
  assert.equal(isStorableName('example.com', 'x'.repeat(250)), true);
  assert.equal(isStorableName('example.com', 'x'.repeat(251)), false);
  assert.equal(isStorableName('.'.repeat(85), 'alice'), true); // 255 bytes
  assert.equal(isStorableName('.'.repeat(86), 'alice'), false);
  assert.equal(isStorableName('example.com', ''), false);
  assert.equal(isStorableName('example.com', '\ud800'), false); // a lone surrogate has no UTF-8 bytes
});
