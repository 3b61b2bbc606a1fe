import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patternOverlap } from '../../src/core/lua-pattern/overlap.js';
import { ItemKind, parsePattern } from '../../src/core/lua-pattern/compile.js';
import { findStaticError } from '../../src/core/lua-pattern/validate.js';
import { PatternGenerator, Rng } from '../helpers/lua-pattern-gen.js';
import { buildWitness } from '../helpers/lua-pattern-witness.js';
import { LuaVm } from '../helpers/lua-vm.js';

const enc = new TextEncoder();
const vm = new LuaVm();
/** string.match in a real Lua VM. */
const luaMatches = (subject: Uint8Array, pattern: Uint8Array) => {
  const r = vm.call('match', subject, pattern);
  return r.ok && r.values[0] !== null;
};

test('overlaps worked out by hand: the module README patterns of different categories are disjoint', () => {
  const cases: Array<[string, string, 'overlap' | 'disjoint' | 'unknown']> = [
    ['^zom%d+.*', '^ChatSecureZom-.*', 'disjoint'],
    ['^chatsecure%d+.*', '^ChatSecureZom-.*', 'disjoint'], // case differs
    ['^Zom-.*', '^Conversations%..*', 'disjoint'],
    ['^Conv', '^Conversations%..*', 'overlap'],
    ['Gajim', '^Gaj', 'overlap'], // unanchored: "Gajim" itself
    ['^a$', '^a.', 'disjoint'],
    ['%d+', '^[^0-9]*$', 'disjoint'],
    ['%d', '%a', 'overlap'], // "a0": the two can match at different places
    ['^%a+$', '^%d+$', 'disjoint'],
    ['^(Zom)-%d?$', '^Zom%-[0-9]$', 'overlap'],
    ['^x%bxy', '^x', 'unknown'],
    ['%f[%w]Psi', 'Psi', 'unknown'],
    ['(a)%1', 'a', 'unknown'],
  ];
  for (const [a, b, expected] of cases) {
    const result = patternOverlap(a, b);
    assert.equal(result.kind, expected, `${a} vs ${b}`);
    if (result.kind === 'overlap') {
      assert.ok(luaMatches(result.witness, enc.encode(a)) && luaMatches(result.witness, enc.encode(b)), `${a} vs ${b}`);
    }
  }
  const w = patternOverlap('^Conv', '^Conversations%..*');
  assert.equal(w.kind === 'overlap' && Buffer.from(w.witness).toString(), 'Conversations.');
});

test('random pattern pairs: every witness matches both in Lua, and no subject built for one pattern breaks a "disjoint"', () => {
  const rng = new Rng(Number(process.env.LUA_PATTERN_SEED ?? 7));
  const gen = new PatternGenerator(rng);
  const valid: Uint8Array[] = [];
  while (valid.length < 400) {
    const p = gen.pattern();
    const prog = parsePattern(p);
    if (prog.errorMessage === null && !findStaticError(prog)) valid.push(p);
  }
  const counts = { overlap: 0, disjoint: 0, unknown: 0 };
  for (let k = 0; k < 3000; k++) {
    const a = rng.pick(valid);
    const b = rng.pick(valid);
    const result = patternOverlap(a, b);
    counts[result.kind]++;
    const show = `${JSON.stringify(Buffer.from(a).toString('latin1'))} vs ${JSON.stringify(Buffer.from(b).toString('latin1'))}`;
    if (result.kind === 'overlap') {
      assert.ok(luaMatches(result.witness, a) && luaMatches(result.witness, b), `witness ${Buffer.from(result.witness).toString('hex')}: ${show}`);
    } else if (result.kind === 'disjoint') {
      for (const [p, q] of [[a, b], [b, a]] as const) {
        const prog = parsePattern(p);
        for (let t = 0; t < 8; t++) {
          const s = buildWitness(prog, prog.kinds.length, rng);
          if (s && luaMatches(s, p)) assert.ok(!luaMatches(s, q), `${Buffer.from(s).toString('hex')} matches both: ${show}`);
        }
      }
    } else {
      const kinds = [...parsePattern(a).kinds, ...parsePattern(b).kinds];
      assert.ok(kinds.some((k) => k === ItemKind.Balance || k === ItemKind.Frontier || k === ItemKind.BackRef), show);
    }
  }
  // Both answers must actually occur, or the test proves nothing.
  assert.ok(counts.overlap > 200 && counts.disjoint > 50, JSON.stringify(counts));
});
