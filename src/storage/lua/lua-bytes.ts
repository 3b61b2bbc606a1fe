/**
 * Lua strings in JS. Lua strings are byte strings. A Lua string whose bytes are valid UTF-8
 * (strictly: no overlong forms, no surrogates, nothing above U+10FFFF) is a normal JS `string` (a
 * BOM is kept as U+FEFF). Any other byte string is a {@link LuaBytes}. The mapping is one-to-one
 * (`luaStringFromBytes` is the only way to make a `LuaBytes`, and it never makes one for valid
 * UTF-8), and `LuaBytes` instances are interned, so the same bytes are always the same object:
 * they work as `Map` keys.
 */
import { isUtf8 } from 'node:buffer';

const interned = new Map<string, WeakRef<LuaBytes>>();
const internRegistry = new FinalizationRegistry<string>((binary) => {
  const ref = interned.get(binary);
  if (ref !== undefined && ref.deref() === undefined) interned.delete(binary);
});

/** Makes (or finds) the interned `LuaBytes`; module-private so every `LuaBytes` is non-UTF-8. */
let internLuaBytes: (binary: string) => LuaBytes;

/**
 * A Lua string whose bytes are not valid UTF-8. Immutable and interned: two `LuaBytes` with the
 * same bytes are the same object. Make one with {@link luaStringFromBytes}.
 */
export class LuaBytes {
  /** The bytes as a "binary" JS string: one char (U+0000..U+00FF) per byte. */
  readonly binary: string;

  private constructor(binary: string) {
    this.binary = binary;
  }

  static {
    internLuaBytes = (binary: string): LuaBytes => {
      const existing = interned.get(binary)?.deref();
      if (existing !== undefined) return existing;
      const made = new LuaBytes(binary);
      interned.set(binary, new WeakRef(made));
      internRegistry.register(made, binary);
      return made;
    };
  }

  get length(): number {
    return this.binary.length;
  }

  /** A fresh copy of the bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.binary, 'latin1');
  }

  /** For messages: the bytes with non-printable ones as `\xNN`. */
  toString(): string {
    return this.binary.replace(/[^\x20-\x7e]|\\/g, (c) =>
      c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
  }
}

/** The canonical JS form of a Lua string with these bytes: a `string` if valid UTF-8, else `LuaBytes`. */
export function luaStringFromBytes(bytes: Uint8Array): string | LuaBytes {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  return internLuaBytes(buf.toString('latin1'));
}

/** Matches a UTF-16 surrogate that is not part of a pair (such a string has no UTF-8 form). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True if the JS string can be encoded to UTF-8 without loss (no lone surrogates). */
export function isWellFormedString(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** The bytes of a Lua string (UTF-8 for a JS string). Throws TypeError for a lone surrogate. */
export function luaStringBytes(s: string | LuaBytes): Buffer {
  if (typeof s !== 'string') return s.toBuffer();
  if (!isWellFormedString(s)) throw new TypeError('string contains a lone UTF-16 surrogate; it has no UTF-8 form');
  return Buffer.from(s, 'utf8');
}

export function isLuaString(v: unknown): v is string | LuaBytes {
  return typeof v === 'string' || v instanceof LuaBytes;
}
