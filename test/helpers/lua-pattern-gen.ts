/**
 * Random Lua patterns and subjects for the differential test, from a seeded PRNG.
 *
 * Patterns come from a grammar covering every feature (literals incl. multi-byte UTF-8 and raw
 * bytes, `.`, `%x` classes, `%` escapes, sets with ranges/classes/`^`/leading `]`, the four
 * quantifiers, `^`/`$` anchors and their literal forms, `%b`, `%f`, captures, position captures,
 * back-references), with errors injected into some, plus pure garbage. Subjects that actually
 * reach deep into a pattern are built by `buildWitness` (lua-pattern-witness.ts).
 */

/** mulberry32: small, fast, good enough for test data. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const enc = new TextEncoder();
const bytesOf = (s: string): number[] => [...enc.encode(s)];

/** Literal characters: a few ASCII letters (so matches happen), punctuation, UTF-8, raw bytes. */
const LITERALS = ['a', 'b', 'c', 'x', 'A', '1', ' ', '.', '-', 'é', '€', '😀', '\0', '\n'];
const RAW_BYTES = [0x80, 0xa9, 0xc3, 0xff, 0xfe];
const CLASS_LETTERS = [...'acdglpsuwxzACDGLPSUWXZ'];
const PUNCT = [...'^$*+?.([%-])]{}#'];
const BRACKETS = ['()', '[]', '{}', '<>', 'aa', 'ab', '""'];
const GARBAGE = [...'%[]()^$*+-?.abf0129'];

export class PatternGenerator {
  constructor(private readonly rng: Rng) {}

  /** One random pattern as bytes. */
  pattern(): Uint8Array {
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.06) return this.garbage();
    if (roll < 0.075) return this.deepPattern();
    const out: number[] = [];
    if (r.chance(0.3)) out.push(0x5e); // ^
    const state = { open: 0, closed: 0 };
    this.sequence(out, 0, state);
    if (r.chance(0.25)) out.push(0x24); // $
    if (r.chance(0.15)) this.injectError(out, state);
    return Uint8Array.from(out);
  }

  private sequence(out: number[], depth: number, st: { open: number; closed: number }): void {
    const n = this.rng.int(depth === 0 ? 6 : 4);
    for (let i = 0; i < n; i++) this.item(out, depth, st);
  }

  private item(out: number[], depth: number, st: { open: number; closed: number }): void {
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.12 && depth < 2 && st.open < 30) {
      out.push(0x28); // (
      st.open++;
      this.sequence(out, depth + 1, st);
      out.push(0x29); // )
      st.closed++;
    } else if (roll < 0.16 && st.open < 31) {
      out.push(0x28, 0x29); // ()
      st.open++;
      st.closed++; // position captures are "closed" for back-references (never match)
    } else if (roll < 0.21) {
      out.push(0x25, 0x62, ...bytesOf(r.pick(BRACKETS)));
    } else if (roll < 0.26) {
      out.push(0x25, 0x66, ...this.set());
    } else if (roll < 0.3 && st.closed > 0) {
      out.push(0x25, 0x31 + r.int(st.closed)); // valid back-reference
    } else if (roll < 0.32) {
      out.push(r.pick([0x24, 0x5e])); // '$' or '^' in the middle: literals
      this.quantifier(out);
    } else {
      this.single(out);
      this.quantifier(out);
    }
  }

  private quantifier(out: number[]): void {
    const roll = this.rng.next();
    if (roll < 0.5) return;
    out.push(bytesOf('*+-?')[Math.floor((roll - 0.5) * 8)]!);
  }

  private single(out: number[]): void {
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.35) {
      const lit = bytesOf(r.pick(LITERALS));
      // An escaped special or the bytes of a character (a quantifier binds to its last byte).
      out.push(...lit);
    } else if (roll < 0.4) out.push(r.pick(RAW_BYTES));
    else if (roll < 0.5) out.push(0x2e); // .
    else if (roll < 0.65) out.push(0x25, r.pick(CLASS_LETTERS).charCodeAt(0));
    else if (roll < 0.73) out.push(0x25, r.pick(PUNCT).charCodeAt(0));
    else out.push(...this.set());
  }

  private set(): number[] {
    const r = this.rng;
    const out = [0x5b];
    if (r.chance(0.3)) out.push(0x5e);
    if (r.chance(0.1)) out.push(0x5d); // ']' first: a member
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) {
      const roll = r.next();
      if (roll < 0.35) out.push(...bytesOf(r.pick(LITERALS)));
      else if (roll < 0.55) {
        const lo = r.pick([0x30, 0x41, 0x61, 0x20, 0x00, 0x80, 0x2d]);
        out.push(lo, 0x2d, lo + r.int(40) - 5); // a range, sometimes reversed (empty)
      } else if (roll < 0.75) out.push(0x25, r.pick(CLASS_LETTERS).charCodeAt(0));
      else if (roll < 0.85) out.push(0x25, r.pick(PUNCT).charCodeAt(0));
      else if (roll < 0.9) out.push(r.pick(RAW_BYTES));
      else out.push(r.pick([0x2d, 0x5e, 0x5b, 0x28, 0x2e])); // '-', '^', '[', '(', '.' inside
    }
    out.push(0x5d);
    return out;
  }

  private injectError(out: number[], st: { open: number; closed: number }): void {
    const r = this.rng;
    const at = r.int(out.length + 1);
    const insert = (bytes: number[]) => out.splice(at, 0, ...bytes);
    switch (r.int(9)) {
      case 0: out.push(0x25); break; // ends with '%'
      case 1: insert([0x5b, ...bytesOf(r.pick(['a', '^', '%', ']', 'x-', '%]']))]); break;
      case 2: out.push(0x25, 0x62, ...(r.chance(0.5) ? [] : [0x28])); break; // %b missing args
      case 3: insert([0x25, 0x66, ...bytesOf(r.pick(['a', '%a', '(', '']))]); break;
      case 4: insert([0x25, 0x30 + r.int(10)]); break; // back-reference, maybe invalid
      case 5: insert([0x29]); break; // ')'
      case 6: insert([0x28]); break; // '('
      case 7: out.push(0x25, 0x31 + st.open); break; // open or missing capture
      default: insert([0x25, 0x66, 0x5b, 0x61]); break; // %f[ unclosed
    }
  }

  /**
   * Too many captures, or around MAXCCALLS (200) nested match() calls: each `(`, `)` and
   * quantified item that matched nests one call. Use with `deepSubject`.
   */
  private deepPattern(): Uint8Array {
    const r = this.rng;
    const n = 194 + r.int(10);
    switch (r.int(4)) {
      case 0:
        return Uint8Array.from(bytesOf('()'.repeat(29 + r.int(6))));
      case 1:
        return Uint8Array.from(bytesOf('a?'.repeat(n)));
      case 2: {
        const k = r.int(12);
        return Uint8Array.from(bytesOf('('.repeat(k) + 'a-'.repeat(n - 2 * k) + ')'.repeat(k)));
      }
      default:
        return Uint8Array.from(bytesOf('(' + 'a*'.repeat(n - 2) + ')'));
    }
  }

  private garbage(): Uint8Array {
    const r = this.rng;
    const n = 1 + r.int(10);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(r.chance(0.9) ? r.pick(GARBAGE).charCodeAt(0) : r.int(256));
    return Uint8Array.from(out);
  }
}

/** Random subjects of several kinds. */
export class SubjectGenerator {
  constructor(private readonly rng: Rng) {}

  /** From the literal alphabet: likely to meet the pattern's literals. */
  alphabet(): Uint8Array {
    const r = this.rng;
    const n = r.int(12);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(...bytesOf(r.pick([...LITERALS, '(', ')', '[', ']', 'b', 'a'])));
    return Uint8Array.from(out);
  }

  /** Valid UTF-8 with random code points (BMP and astral). */
  utf8(): Uint8Array {
    const r = this.rng;
    const n = r.int(8);
    let s = '';
    for (let i = 0; i < n; i++) {
      const roll = r.next();
      let cp: number;
      if (roll < 0.5) cp = r.int(0x80);
      else if (roll < 0.8) cp = 0x80 + r.int(0x780);
      else if (roll < 0.95) cp = 0x800 + r.int(0xd000);
      else cp = 0x10000 + r.int(0x100000);
      s += String.fromCodePoint(cp);
    }
    return enc.encode(s);
  }

  /** Arbitrary bytes (usually not valid UTF-8). */
  bytes(): Uint8Array {
    const r = this.rng;
    const out = new Uint8Array(r.int(12));
    for (let i = 0; i < out.length; i++) out[i] = r.int(256);
    return out;
  }

  /** For deep patterns: a run of 'a' about as long as the pattern has quantified items. */
  deep(pattern: Uint8Array): Uint8Array {
    const items = pattern.filter((b) => b === 0x61).length;
    return new Uint8Array(Math.max(0, items - 5 + this.rng.int(8))).fill(0x61);
  }

  /** A longer subject (up to a few hundred bytes): pieces of the other kinds. */
  long(witness: Uint8Array | null): Uint8Array {
    const parts: number[] = [];
    const n = 3 + this.rng.int(20);
    for (let i = 0; i < n; i++) {
      const roll = this.rng.next();
      const piece = witness && roll < 0.4 ? witness : roll < 0.8 ? this.alphabet() : this.utf8();
      parts.push(...piece);
    }
    return Uint8Array.from(parts);
  }

  /** Small random edits of a subject. */
  mutate(subject: Uint8Array): Uint8Array {
    const r = this.rng;
    const out = [...subject];
    const edits = 1 + r.int(2);
    for (let k = 0; k < edits; k++) {
      const at = r.int(out.length + 1);
      const roll = r.next();
      if (roll < 0.33 && out.length > 0) out.splice(Math.min(at, out.length - 1), 1);
      else if (roll < 0.66) out.splice(at, 0, ...bytesOf(r.pick(LITERALS)));
      else if (out.length > 0) out[Math.min(at, out.length - 1)] = r.int(256);
    }
    return Uint8Array.from(out);
  }
}
