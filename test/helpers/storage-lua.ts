/**
 * Lua values for the storage tests: a table builder, and seeded random tables (for the writer) and
 * random data chunks in Lua source (for the reader), so that every run checks the same cases.
 */
import { LuaBytes, luaStringFromBytes, type LuaKey, type LuaTable, type LuaValue } from '../../src/storage/lua/read-literal.js';

/** A `LuaTable` with these entries, in this order. */
export const tbl = (...entries: Array<[LuaKey, LuaValue]>): LuaTable => new Map(entries);

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integers and choices drawn from a seeded PRNG. */
class SeededPicks {
  constructor(protected readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Random Lua values: nested tables of arbitrary byte strings, numbers and booleans. */
export class ValueGen extends SeededPicks {
  constructor(
    r: () => number,
    private readonly opts: { floats: boolean; bigInts: boolean },
  ) {
    super(r);
  }
  bytes(): Uint8Array {
    const n = this.r() < 0.1 ? 0 : this.int(this.r() < 0.8 ? 12 : 60);
    const out = new Uint8Array(n);
    const mode = this.int(4);
    for (let i = 0; i < n; i++) {
      if (mode === 0) out[i] = this.int(256); // arbitrary bytes
      else if (mode === 1) out[i] = 0x20 + this.int(95); // printable ASCII
      else out[i] = this.int(4) === 0 ? this.int(256) : 0x61 + this.int(26);
    }
    if (mode === 3 && n > 0) return Buffer.from(Buffer.from(out).toString('latin1') + '€é😀', 'utf8'); // valid UTF-8 text
    return out;
  }
  string(): string | LuaBytes {
    return luaStringFromBytes(this.bytes());
  }
  number(): number {
    const k = this.int(this.opts.floats ? 6 : 3);
    if (k === 0) return this.int(100);
    if (k === 1) return this.int(2 ** 31) - 2 ** 30;
    if (k === 2) return this.opts.bigInts ? Math.floor((this.r() - 0.5) * 2 ** 64) : this.int(1000) - 500;
    if (k === 3) return this.pick([Infinity, -Infinity, NaN, -0, 0.1, 5e-324, Number.MAX_VALUE]);
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, Math.floor(this.r() * 2 ** 32));
    view.setUint32(4, Math.floor(this.r() * 2 ** 32));
    return k === 4 ? view.getFloat64(0) : (this.r() - 0.5) * 10 ** (this.int(40) - 20);
  }
  key(): LuaKey {
    const k = this.int(10);
    if (k < 6) return this.string();
    if (k < 8) {
      let n = this.number();
      while (Number.isNaN(n)) n = this.number();
      return n === 0 ? 0 : n;
    }
    if (k === 8) return this.int(5) + 1; // positional-looking keys
    return this.r() < 0.5;
  }
  value(depth: number): LuaValue {
    const k = this.int(depth >= 6 ? 4 : 6);
    if (k < 2) return this.string();
    if (k === 2) return this.number();
    if (k === 3) return this.r() < 0.5;
    return this.table(depth + 1);
  }
  table(depth: number): LuaTable {
    const t: LuaTable = new Map();
    const n = this.int(depth === 1 ? 8 : 5);
    for (let i = 0; i < n; i++) t.set(this.key(), this.value(depth));
    return t;
  }
}

/** Random Lua source text: a `return {...}` data chunk with every literal form, gaps and comments. */
export class LiteralGen extends SeededPicks {
  gap(): string {
    const parts = ['', '', '', ' ', '\n', '\t', '\r\n', ' -- c\n', '--[[x\n]]', '--[==[ ]] ]==]', '\f', '\v'];
    let s = this.pick(parts);
    if (this.r() < 0.1) s += this.pick(parts);
    return s;
  }
  stringLiteral(): string {
    const form = this.int(4);
    if (form === 3) {
      const level = '='.repeat(this.int(3));
      let body = '';
      const n = this.int(8);
      for (let i = 0; i < n; i++) body += this.pick(['a', ']', '[', '\n', '\r\n', '\r', '\\n', ' ', 'é', '"', "'", '\x01', '\xff']);
      const first = this.pick(['', '', '\n', '\r\n']);
      if (body.includes(`]${level}]`) || body.endsWith(']')) body = 'safe';
      return `[${level}[${first}${body}]${level}]`;
    }
    const q = form === 0 ? "'" : '"';
    let s = q;
    const n = this.int(10);
    for (let i = 0; i < n; i++) {
      switch (this.int(12)) {
        case 0: s += this.pick(['\\a', '\\b', '\\f', '\\n', '\\r', '\\t', '\\v', '\\\\', '\\"', "\\'"]); break;
        case 1: s += `\\${this.int(256)}${this.pick(['x', '-', ' '])}`; break;
        case 2: s += `\\${String(this.int(256)).padStart(3, '0')}${this.pick(['', '1', '9'])}`; break;
        case 3: s += `\\x${this.int(256).toString(16).padStart(2, '0')}`; break;
        case 4: s += `\\u{${this.int(this.r() < 0.5 ? 0x80 : 0x110000).toString(16)}}`; break;
        case 5: s += `\\z${this.pick(['', ' ', '\n  ', '\r\n\t'])}`; break;
        case 6: s += this.pick(['\\\n', '\\\r\n', '\\\r', '\\\n\r']); break;
        case 7: s += this.pick(['é', '€', '\xff', '\x80', '\x00', '\x7f']); break;
        case 8: s += q === '"' ? "'" : '"'; break;
        default: s += this.pick(['a', 'Z', ' ', '-', '?', '9', '[', ']']);
      }
    }
    return s + q;
  }
  numberLiteral(): string {
    switch (this.int(8)) {
      case 0: return String(this.int(1000));
      case 1: return `${this.int(100)}.${this.int(100)}`;
      case 2: return `.${this.int(1000)}`;
      case 3: return `${this.int(100)}.`;
      case 4: return `${this.int(100)}${this.pick(['e', 'E'])}${this.pick(['', '+', '-'])}${this.int(30)}`;
      case 5: return `0${this.pick(['x', 'X'])}${this.int(0x7fffffff).toString(16)}`;
      case 6: return `0x${this.int(4096).toString(16)}.${this.int(4096).toString(16)}p${this.pick(['', '-', '+'])}${this.int(60)}`;
      default: return `${this.r() * 1e6}`;
    }
  }
  key(): string {
    switch (this.int(5)) {
      case 0: return `[${this.gap()}${this.numberLiteral()}${this.gap()}]`;
      case 1: return `[${this.pick(['true', 'false'])}]`;
      case 2: return this.pick(['a', 'b_1', '_', 'X9', 'last_recorded']);
      default: {
        const lit = this.stringLiteral();
        // `[[` or `[=` would start a long bracket: Lua needs a space there too
        return `[${lit.startsWith('[') ? ' ' : this.gap()}${lit}${this.gap()}]`;
      }
    }
  }
  value(depth: number): string {
    const k = this.int(depth > 3 ? 8 : 10);
    if (k < 3) return this.stringLiteral();
    if (k < 5) return `${this.pick(['', '', '-', '- '])}${this.numberLiteral()}`;
    if (k === 5) return this.pick(['true', 'false', 'nil']);
    if (k < 8) return this.pick(['true', 'false', '"x"', '1']);
    return this.table(depth + 1);
  }
  table(depth: number): string {
    let s = '{';
    const n = this.int(6);
    for (let i = 0; i < n; i++) {
      s += this.gap();
      if (this.r() < 0.6) s += `${this.key()}${this.gap()}=${this.gap()}`;
      s += this.value(depth);
      s += this.gap();
      if (i < n - 1 || this.r() < 0.5) s += this.pick([',', ';']);
    }
    return `${s}${this.gap()}}`;
  }
  chunk(): string {
    return `${this.gap()}return${this.pick([' ', '\n', '--x\n'])}${this.table(0)}${this.gap()}${this.pick(['', ';'])}${this.gap()}`;
  }
}
