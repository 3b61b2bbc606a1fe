/**
 * Hand-picked cases for the Lua pattern engine, one group per feature. Every expectation is
 * what Lua 5.4's string.find / string.match return; the last tests re-check all of them against
 * a real Lua VM (fengari, test/helpers/lua-vm.ts), so a wrong expectation cannot slip in.
 *
 * `find` expectations are Lua's return values: [start, end, ...captures] or null; `match`
 * expectations are the captures (whole match if none) or null. Positions are byte positions.
 */

import assert from 'node:assert/strict';
import { Buffer, isUtf8 } from 'node:buffer';
import { describe, test } from 'node:test';

import { PatternError } from '../../src/errors.js';
import { LuaPattern } from '../../src/core/lua-pattern/index.js';
import { rawFind } from '../../src/core/lua-pattern/raw.js';
import { LuaVm, type LuaOutcome } from '../helpers/lua-vm.js';

type Values = Array<string | number> | null;

interface Case {
  pattern: string;
  subject: string;
  init?: number;
  find: Values;
  match: Values;
}

const groups: Record<string, Case[]> = {};
function cases(group: string, list: Array<[string, string, Values, Values, number?]>): void {
  groups[group] = list.map(([pattern, subject, find, match, init]) => ({ pattern, subject, init, find, match }));
}

// The client patterns of the module README, against typical resources.
const README_PATTERNS = ['^zom%d+.*', '^Zom-.*', '^chatsecure%d+.*', '^ChatSecureZom-.*', '^Conversations%..*'];
const RESOURCES = ['Zom-iPhone', 'Conversations.Xy3z', 'Conversations', 'zom7', 'chatsecure42',
  'Zom-Büro Telefon', "émile's phone", 'ChatSecureZom-a1', 'zom', 'Conversations.'];
const README_MATCHES: Record<string, string[]> = {
  '^zom%d+.*': ['zom7'],
  '^Zom-.*': ['Zom-iPhone', 'Zom-Büro Telefon'],
  '^chatsecure%d+.*': ['chatsecure42'],
  '^ChatSecureZom-.*': ['ChatSecureZom-a1'],
  '^Conversations%..*': ['Conversations.Xy3z', 'Conversations.'],
};
cases('README client patterns', README_PATTERNS.flatMap((p) =>
  RESOURCES.map((r): [string, string, Values, Values] => {
    const hit = README_MATCHES[p]!.includes(r);
    return [p, r, hit ? [1, Buffer.byteLength(r)] : null, hit ? [r] : null];
  })));
cases('README client patterns, details', [
  ['^Zom-.*', 'Zom-Büro Telefon', [1, 17], ['Zom-Büro Telefon']], // ü is 2 bytes
  ['^zom%d+.*', 'zom12 phone', [1, 11], ['zom12 phone']],
  ['^zom%d+.*', 'xzom1', null, null],
  ['zom%d+', 'xzom1', [2, 5], ['zom1']], // unanchored
  ['^Conversations%..*', 'ConversationsX', null, null], // %. is a literal dot
  ['^Conversations..*', 'ConversationsX', [1, 14], ['ConversationsX']],
  // In `^Zom-.*` the '-' is the lazy quantifier of 'm', not a literal: it matches anything that
  // starts with "Zo". A literal dash needs `%-`.
  ['^Zom-.*', 'Zomething', [1, 9], ['Zomething']],
  ['^Zom-.*', "Zoe's phone", [1, 11], ["Zoe's phone"]],
  ['^Zom%-.*', 'Zomething', null, null],
  ['^Zom%-.*', 'Zom-iPhone', [1, 10], ['Zom-iPhone']],
  ['^ChatSecureZom-.*', 'ChatSecureZo', [1, 12], ['ChatSecureZo']],
]);

cases('UTF-8: matching is on bytes', [
  ['^.mile', "émile's phone", null, null], // é is two bytes: . takes only the first
  ['^..mile', "émile's phone", [1, 6], ['émile']],
  ['(.)', 'é', [1, 1, 'Ã'], ['Ã']], // lone byte 0xC3, not UTF-8: decoded as latin1
  ['(..)', 'é', [1, 2, 'é'], ['é']],
  ['[é]+', 'é', [1, 2], ['é']], // a set of the two bytes
  ['[é]', 'xé', [2, 2], ['Ã']],
  ['%a+', 'éa', [3, 3], ['a']], // C locale: é is not a letter
  ['%A+', 'éa', [1, 2], ['é']],
  ['€', 'a€', [2, 4], ['€']], // 3 bytes
  ['😀$', 'x😀', [2, 5], ['😀']], // 4 bytes
  ['%W+', '😀', [1, 4], ['😀']],
  ['^...$', '\uD800', [1, 3], ['\uFFFD']], // a lone surrogate is encoded as U+FFFD
]);

cases('character classes', [
  ['%a+', '12abC34', [3, 5], ['abC']],
  ['%d+', 'ab123c', [3, 5], ['123']],
  ['%l+', 'ABcdE', [3, 4], ['cd']],
  ['%u+', 'abCDe', [3, 4], ['CD']],
  ['%s+', 'a \t\n\v\f\rb', [2, 7], [' \t\n\v\f\r']],
  ['%p+', 'ab!?.-c', [3, 6], ['!?.-']],
  ['%c+', 'a\x01\x1f\x7fb', [2, 4], ['\x01\x1f\x7f']],
  ['%x+', 'xyz09afAFg', [4, 9], ['09afAF']],
  ['%g+', '  a~!  ', [3, 5], ['a~!']],
  ['%w+', '--a1Z--', [3, 5], ['a1Z']],
  ['%z', 'a\0b', [2, 2], ['\0']], // deprecated, still in 5.4
  ['%A+', 'ab12cd', [3, 4], ['12']],
  ['%D+', '12ab34', [3, 4], ['ab']],
  ['%S+', '  ab  ', [3, 4], ['ab']],
  ['%U+', 'ABcdEF', [3, 4], ['cd']],
  ['%L+', 'abCDef', [3, 4], ['CD']],
  ['%P+', '!!ab!!', [3, 4], ['ab']],
  ['%C+', '\x01ab\x02', [2, 3], ['ab']],
  ['%X+', '12gh34', [3, 4], ['gh']],
  ['%G+', 'ab  cd', [3, 4], ['  ']],
  ['%W+', 'ab..cd', [3, 4], ['..']],
  ['%Z+', '\0ab\0', [2, 3], ['ab']],
  ['.', '', null, null],
  ['.+', 'a\0b', [1, 3], ['a\0b']], // . matches any byte, NUL included
]);

cases('escapes', [
  ['%.', 'a.b', [2, 2], ['.']],
  ['%%', '50%', [3, 3], ['%']],
  ['%-%+%*%?', 'x-+*?', [2, 5], ['-+*?']],
  ['%(%)', 'f()', [2, 3], ['()']],
  ['%[%]', 'a[]', [2, 3], ['[]']],
  ['%^%$', 'a^$', [2, 3], ['^$']],
  ['a.c', 'abc', [1, 3], ['abc']],
  ['%y', 'xy', [2, 2], ['y']], // %<non-class letter> is the letter itself
  [']', 'a]', [2, 2], [']']], // ] outside a set is a literal
]);

cases('sets', [
  ['[abc]+', 'xxbcaxx', [3, 5], ['bca']],
  ['[a-c]+', 'xxbcaxx', [3, 5], ['bca']],
  ['[^a-c]+', 'abxyzc', [3, 5], ['xyz']],
  ['[%d_]+', 'ab1_2cd', [3, 5], ['1_2']],
  ['[]]', 'a]', [2, 2], [']']], // ] first is a member
  ['[^]]+', ']]ab]', [3, 4], ['ab']],
  ['[]a]+', 'x]a]', [2, 4], [']a]']],
  ['[a-]+', 'x-a-', [2, 4], ['-a-']], // trailing - is literal
  ['[-a]+', 'x-a-', [2, 4], ['-a-']],
  ['[%a-z]+', 'x-z1', [1, 3], ['x-z']], // no range after a class: - and z are literals
  ['[z-a]', 'az-', null, null], // reversed range is empty
  ['[%]]', 'a]', [2, 2], [']']],
  ['[%%]', 'a%', [2, 2], ['%']],
  ['[%^]', 'a^', [2, 2], ['^']],
  ['[a^]+', 'x^a', [2, 3], ['^a']], // ^ not first is literal
  ['[.]', 'ab.', [3, 3], ['.']], // . in a set is literal
  ['[%w.]+', '-a.b-', [2, 4], ['a.b']],
  ['[^%s]+', '  ab  ', [3, 4], ['ab']],
  ['[\0-\x1f]+', 'a\x01\x02b', [2, 3], ['\x01\x02']],
  ['[+-]', 'a,b', null, null], // '-' before the closing ']' is a literal, not a range +..]
  ['[+-]+', 'a-+b', [2, 3], ['-+']],
  ['[a-%%]', 'a%]', [3, 3], [']']], // the range a..% is empty, then %] (C quirk: reads the ']')
]);

cases('quantifiers', [
  ['a*', 'aaab', [1, 3], ['aaa']],
  ['a*', 'baaa', [1, 0], ['']], // empty match at 1
  ['a+', 'baaa', [2, 4], ['aaa']],
  ['a-b', 'aaab', [1, 4], ['aaab']],
  ['(a-)', 'aaa', [1, 0, ''], ['']], // lazy: as few as possible
  ['(a-)$', 'aaa', [1, 3, 'aaa'], ['aaa']],
  ['a?b', 'ab', [1, 2], ['ab']],
  ['a?b', 'b', [1, 1], ['b']],
  ['(a?)a', 'a', [1, 1, ''], ['']], // backtracks
  ['<(.*)>', '<a><b>', [1, 6, 'a><b'], ['a><b']], // greedy
  ['<(.-)>', '<a><b>', [1, 3, 'a'], ['a']], // lazy
  ['[ab]*c', 'ababc', [1, 5], ['ababc']],
  ['%d+%.?%d*', 'v1.25x', [2, 5], ['1.25']],
  ['*a', 'x*a', [2, 3], ['*a']], // a leading * is a literal
  ['a**', 'a**', [1, 2], ['a*']], // a* then a literal *
  ['é?', 'é', [1, 2], ['é']], // ? applies to the last byte of é only
  ['é?', 'Ã', [1, 1], ['Ã']], // Ã is C3 83: é? is C3 then an optional A9; captures byte C3
  ['^é?$', 'Ã', null, null],
]);

cases('anchors', [
  ['^a', 'ba', null, null],
  ['a$', 'ab', null, null],
  ['a$', 'ba', [2, 2], ['a']],
  ['^$', '', [1, 0], ['']],
  ['^', 'abc', [1, 0], ['']],
  ['$', 'abc', [4, 3], ['']],
  ['a^b', 'a^b', [1, 3], ['a^b']], // ^ not first is a literal
  ['a$b', 'a$b', [1, 3], ['a$b']], // $ not last is a literal
  ['$$', 'a$', [2, 2], ['$']], // first $ literal, second anchors
  ['^^', '^a', [1, 1], ['^']],
  ['a$*', 'a$$', [1, 3], ['a$$']],
]);

cases('balanced %b', [
  ['%b()', 'f(a(b)c)d', [2, 8], ['(a(b)c)']],
  ['%b()', '((a)', [2, 4], ['(a)']],
  ['%b()', ')(', null, null],
  ['%b<>', 'x<<>>y', [2, 5], ['<<>>']],
  ['%bxx', 'axbxc', [2, 4], ['xbx']], // same open and close byte
  ['%b()+', '(a)+', [1, 4], ['(a)+']], // no quantifier on %b: + is a literal
  ['%b%]', '%a]', [1, 3], ['%a]']], // any two bytes, even %
]);

cases('frontier %f', [
  ['%f[%w]%w+', 'THE (quick) fox', [1, 3], ['THE']],
  ['%f[%a]%a+%f[%A]', '12abc34 de', [3, 5], ['abc']],
  ['%f[%a]%a+%f[%z]', '12abc34 de', [9, 10], ['de']],
  ['%f[a]', 'ba', [2, 1], ['']],
  ['%f[a]', 'ab', [1, 0], ['']], // \0 before the subject
  ['%f[%z]', 'ab', [3, 2], ['']], // \0 after the subject
  ['%f[^%z]', '', null, null],
  ['%f[%w]', '', null, null],
  ['%f[%l]%a', 'ABc', [3, 3], ['c']],
  ['a*%f[a]', 'a', [1, 0], ['']], // fengari gets this wrong (see lua-vm.ts); this is C Lua
  ['.*%f[%w]', 'ab', [1, 0], ['']],
]);

cases('captures', [
  ['(h)(e)', 'hello', [1, 2, 'h', 'e'], ['h', 'e']],
  ['(%a+) (%a+)', 'hello world', [1, 11, 'hello', 'world'], ['hello', 'world']],
  ['((a)(b))', 'ab', [1, 2, 'ab', 'a', 'b'], ['ab', 'a', 'b']],
  ['()ll()', 'hello', [3, 4, 3, 5], [3, 5]],
  ['()', 'abc', [1, 0, 1], [1]],
  ['()', 'abc', [3, 2, 3], [3], 3],
  ['(a)()', 'ba', [2, 2, 'a', 3], ['a', 3]],
  ['(.-)=(.*)', 'k=v=w', [1, 5, 'k', 'v=w'], ['k', 'v=w']],
  ['(x*)', 'abc', [1, 0, ''], ['']],
  ['^(.-)%s*$', 'trim  ', [1, 6, 'trim'], ['trim']],
]);

cases('back-references', [
  ['(%a)%1', 'hello', [3, 4, 'l'], ['l']],
  ['(["\'])(.-)%1', 'say "hi" now', [5, 8, '"', 'hi'], ['"', 'hi']],
  ['(a*)b%1', 'aabaa', [1, 5, 'aa'], ['aa']],
  ['(a*)b%1$', 'aaba', [2, 4, 'a'], ['a']],
  ['(a)(b)%2%1', 'abba', [1, 4, 'a', 'b'], ['a', 'b']],
  ['(x?)%1y', 'y', [1, 1, ''], ['']],
  ['()a%1', 'aa', null, null], // position captures never match as back-references (C: size_t)
]);

cases('init', [
  ['a', 'banana', [4, 4], ['a'], 3],
  ['a', 'banana', [6, 6], ['a'], -1],
  ['a', 'banana', [4, 4], ['a'], -3],
  ['a', 'banana', [2, 2], ['a'], 0], // 0 is 1
  ['a', 'banana', [2, 2], ['a'], -100], // clipped to 1
  ['', 'banana', [7, 6], [''], 7], // len + 1: an empty match at the end
  ['', 'banana', null, null, 8], // past the end: nothing, not even empty
  ['a', 'banana', null, null, 7],
  ['^a', 'banana', [2, 2], ['a'], 2], // ^ anchors at init
  ['^b', 'banana', null, null, 2],
  ['%f[a]', 'banana', [2, 1], [''], 2], // frontier looks before init
  ['()', 'ab', [1, 0, 1], [1], -0], // -0 is 0, which is 1
]);

cases('plain find (no special characters)', [
  ['an', 'banana', [2, 3], ['an']],
  ['an', 'banana', [4, 5], ['an'], 3],
  ['', '', [1, 0], ['']],
  ['x]', 'ax]', [2, 3], ['x]']],
]);

function runOurs(c: Case): { find: Values; match: Values } {
  const p = LuaPattern.compile(c.pattern);
  const f = p.find(c.subject, c.init);
  return { find: f ? [f.start, f.end, ...f.captures] : null, match: p.match(c.subject, c.init) };
}

for (const [group, list] of Object.entries(groups)) {
  describe(group, () => {
    for (const c of list) {
      const name = `${JSON.stringify(c.pattern)} on ${JSON.stringify(c.subject)}${c.init === undefined ? '' : ` from ${c.init}`}`;
      test(name, () => {
        const ours = runOurs(c);
        assert.deepEqual(ours.find, c.find, 'find');
        assert.deepEqual(ours.match, c.match, 'match');
        if (c.init === undefined) assert.equal(LuaPattern.compile(c.pattern).test(c.subject), c.match !== null);
      });
    }
  });
}

// Errors: [pattern, Lua's message, a subject for which Lua raises it]. Lua raises pattern errors
// only when matching reaches them; compile rejects them whatever the subject.
const ERRORS: Array<[string, string, string]> = [
  ['^zom%', "malformed pattern (ends with '%')", 'zom'],
  ['%', "malformed pattern (ends with '%')", ''],
  ['[a', "malformed pattern (missing ']')", 'x'],
  ['[]', "malformed pattern (missing ']')", 'x'], // ] right after [ is a member
  ['[^]', "malformed pattern (missing ']')", 'x'],
  ['[%]', "malformed pattern (missing ']')", 'x'],
  ['[a%', "malformed pattern (missing ']')", 'x'],
  ['x[', "malformed pattern (missing ']')", 'x'], // only raised if the subject has an x
  ['%b', "malformed pattern (missing arguments to '%b')", 'x'],
  ['%b(', "malformed pattern (missing arguments to '%b')", 'x'],
  ['%f', "missing '[' after '%f' in pattern", 'x'],
  ['%fa', "missing '[' after '%f' in pattern", 'x'],
  ['%f[a', "malformed pattern (missing ']')", 'x'],
  ['%1', 'invalid capture index %1', 'x'],
  ['%0', 'invalid capture index %0', 'x'],
  ['(a)%2', 'invalid capture index %2', 'a'],
  ['(a%1)', 'invalid capture index %1', 'a'], // capture 1 is not closed yet
  [')', 'invalid pattern capture', 'x'],
  ['(a))', 'invalid pattern capture', 'a'],
  ['(', 'unfinished capture', 'x'],
  ['(a', 'unfinished capture', 'a'], // raised only when a match succeeds
  ['(()', 'unfinished capture', ''],
  ['()'.repeat(33), 'too many captures', ''],
  ['a?'.repeat(200), 'pattern too complex', 'a'.repeat(200)], // 200 nested match() calls
  ['(' + 'a?'.repeat(198) + ')', 'pattern too complex', 'a'.repeat(198)], // 1 + 198 + 1
];

describe('compile errors', () => {
  for (const [pattern, message] of ERRORS) {
    test(`${JSON.stringify(pattern.length > 30 ? `${pattern.slice(0, 30)}...` : pattern)}: ${message}`, () => {
      assert.throws(() => LuaPattern.compile(pattern), (e: unknown) => {
        assert.ok(e instanceof PatternError);
        assert.equal(e.message, `client pattern ${JSON.stringify(pattern)}: ${message}`);
        assert.equal(e.exitCode, 2);
        return true;
      });
    });
  }

  test('the message quotes the pattern source', () => {
    assert.throws(() => LuaPattern.compile('^zom%'), {
      name: 'PatternError',
      message: `client pattern "^zom%": malformed pattern (ends with '%')`,
    });
  });

  test('limits: 32 captures and 199 nested calls are fine', () => {
    assert.deepEqual(LuaPattern.compile('()'.repeat(32)).find('')?.captures.length, 32);
    assert.ok(LuaPattern.compile('a?'.repeat(199)).test('a'.repeat(199)));
    assert.ok(LuaPattern.compile('(' + 'a?'.repeat(197) + ')').test('a'.repeat(197)));
  });
});

describe('robustness', () => {
  const big = 'a'.repeat(100_000);
  test('long subjects do not blow the stack', () => {
    assert.deepEqual(LuaPattern.compile('.-$').find(big), { start: 1, end: 100_000, captures: [] });
    assert.deepEqual(LuaPattern.compile('^(.*)$').match(big), [big]);
    assert.deepEqual(LuaPattern.compile('^(.-)b').find(big + 'b')?.end, 100_001);
    assert.equal(LuaPattern.compile('(a*)%1$').find(big)?.captures[0], 'a'.repeat(50_000));
    const nested = '('.repeat(50_000) + ')'.repeat(50_000);
    assert.equal(LuaPattern.compile('%b()').find(nested)?.end, 100_000);
    assert.ok(LuaPattern.compile('%f[%z]').test(big));
  });

  test('pathological patterns stop with "pattern too complex" (our step limit, not Lua)', () => {
    const p = LuaPattern.compile('(.-)(.-)(.-)(.-)(.-)x');
    assert.throws(() => p.find('a'.repeat(200)), {
      name: 'PatternError',
      message: 'client pattern "(.-)(.-)(.-)(.-)(.-)x": pattern too complex',
    });
    assert.equal(p.find('a'.repeat(20)), null); // small subjects are fine
  });

  test('init must be an integer', () => {
    assert.throws(() => LuaPattern.compile('a').find('a', 1.5), RangeError);
  });

  test('source and toString', () => {
    const p = LuaPattern.compile('^Zom-.*');
    assert.equal(p.source, '^Zom-.*');
    assert.equal(String(p), '^Zom-.*');
  });
});

describe('agreement with Lua (fengari)', () => {
  const vm = new LuaVm();
  const decode = (b: Uint8Array) => (isUtf8(b) ? Buffer.from(b).toString('utf8') : Buffer.from(b).toString('latin1'));
  const values = (o: LuaOutcome): Values => {
    assert.ok(o.ok, o.ok ? '' : o.error);
    const vals = o.values.map((v) => (v instanceof Uint8Array ? decode(v) : v));
    return vals[0] === null ? null : (vals as Array<string | number>);
  };

  test('every hand-picked expectation is what Lua returns', () => {
    for (const list of Object.values(groups)) {
      for (const c of list) {
        const where = `${JSON.stringify(c.pattern)} on ${JSON.stringify(c.subject)} from ${c.init}`;
        assert.deepEqual(values(vm.callText('find', c.subject, c.pattern, c.init)), c.find, `find ${where}`);
        assert.deepEqual(values(vm.callText('match', c.subject, c.pattern, c.init)), c.match, `match ${where}`);
      }
    }
  });

  test('Lua raises each compile error for its subject', () => {
    for (const [pattern, message, subject] of ERRORS) {
      const out = vm.callText('match', subject, pattern);
      assert.deepEqual(out, { ok: false, error: message }, JSON.stringify(pattern));
    }
  });

  test('errors Lua raises only for some subjects', () => {
    // An unclosed [ after a literal the subject lacks is never reached.
    assert.deepEqual(vm.callText('match', 'abc', 'x['), { ok: true, values: [null] });
    // An open capture is only reported when a match succeeds.
    assert.deepEqual(vm.callText('match', 'b', '(a'), { ok: true, values: [null] });
    // Nesting depends on how many quantified items matched.
    assert.deepEqual(vm.callText('match', '', 'a?'.repeat(200)), { ok: true, values: [new Uint8Array(0)] });
    // string.find with no special characters is a plain search: ')' is not special.
    assert.deepEqual(vm.callText('find', 'ab)', 'b)'), { ok: true, values: [2, 3] });
    assert.deepEqual(vm.callText('match', 'ab)', 'b)'), { ok: false, error: 'invalid pattern capture' });
    for (const p of ['x[', '(a', 'a?'.repeat(200), 'b)']) assert.throws(() => LuaPattern.compile(p), PatternError);
  });

  test('character classes agree with Lua on all 256 bytes', () => {
    const classes = [...'acdglpsuwxzACDGLPSUWXZ'].map((l) => `%${l}`);
    for (const cls of [...classes, '.', '[%a_-]', '[^%d%s]', '[]-a]', '[a-%%]', '%f[%w]']) {
      const pattern = Buffer.from(cls, 'latin1');
      const compiled = LuaPattern.compile(cls);
      for (let c = 0; c < 256; c++) {
        const subject = Uint8Array.of(c);
        const lua = vm.call('find', subject, pattern);
        assert.ok(lua.ok);
        const found = rawFind(pattern, subject);
        assert.deepEqual(found ? [found.start, found.end] : [null], lua.values, `${cls} on byte ${c}`);
        if (c < 0x80) assert.equal(compiled.test(String.fromCharCode(c)), found !== null);
      }
    }
  });
});
