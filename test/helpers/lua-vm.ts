/**
 * A real Lua VM (fengari, Lua 5.3 in JS) for checking the pattern engine against.
 *
 * Lua 5.3 and 5.4 share the pattern matcher: the diff of lstrlib.c between 5.3.6 and 5.4.8
 * over str_find_aux and everything it calls only adds l_unlikely() hints and restructures
 * push_onecapture (same behaviour for find/match). Both clip `init` the same way.
 *
 * fengari's port of lstrlib.c, however, deviates from the C code in three places, which we
 * patch in its source text before loading it (each patch must apply exactly once, or loading
 * fails, so a fengari upgrade cannot silently change the reference):
 *  1. max_expand tests `if (res)`, so a match ending at offset 0 counts as failure:
 *     string.find("a", "a*%f[a]") gives nil in fengari, 1 0 in Lua.
 *  2. The "%b" error message lacks its closing parenthesis.
 *  3. match_capture with a back-reference to a position capture (len = -2) compares an empty
 *     range and moves 2 bytes back; in C the length is a size_t, so it never matches:
 *     string.find("aa", "()a%1") is nil in Lua.
 * The unit tests pin the C behaviour of each case by hand.
 */

import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const PATCHES: ReadonlyArray<readonly [string, string]> = [
  ['        if (res) return res;\n', '        if (res !== null) return res;\n'],
  [
    `to_luastring("malformed pattern (missing arguments to '%%b'")`,
    `to_luastring("malformed pattern (missing arguments to '%%b')")`,
  ],
  [
    'if ((ms.src_end-s) >= len && array_cmp(',
    'if (len >= 0 && (ms.src_end-s) >= len && array_cmp(',
  ],
];

let patchedBefore = false;

/** fengari's module object, with lstrlib.js patched (see the file comment). */
function loadPatchedFengari(): any {
  const lstrlibPath = require.resolve('fengari/src/lstrlib.js');
  let patched = false;
  if (!require.cache[lstrlibPath]) {
    // Patch lstrlib.js's source as Node compiles it, while fengari loads normally (its modules
    // have circular requires, so loading them in another order breaks it).
    type Compile = (this: { filename: string }, code: string, filename: string) => unknown;
    const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
    const original = proto._compile;
    proto._compile = function (code, filename) {
      if (filename === lstrlibPath) {
        for (const [from, to] of PATCHES) {
          const count = code.split(from).length - 1;
          if (count !== 1) throw new Error(`fengari patch applies ${count} times: ${from}`);
          code = code.replace(from, to);
        }
        patched = true;
      }
      return original.call(this, code, filename);
    };
    try {
      require('fengari');
    } finally {
      proto._compile = original;
    }
  }
  const fengari = require('fengari');
  if (!patched && !patchedBefore) {
    throw new Error('fengari was loaded unpatched before test/helpers/lua-vm');
  }
  patchedBefore = true;
  return fengari;
}

/** A value returned by string.find / string.match: string (bytes), integer, or nil. */
export type LuaValue = Uint8Array | number | null;

export type LuaOutcome = { ok: true; values: LuaValue[] } | { ok: false; error: string };

export class LuaVm {
  private readonly f: any;
  private readonly L: any;

  constructor() {
    this.f = loadPatchedFengari();
    const { lauxlib, lualib } = this.f;
    this.L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(this.L);
  }

  /** Calls string.find or string.match with byte strings; errors are caught like pcall. */
  call(fn: 'find' | 'match', subject: Uint8Array, pattern: Uint8Array, init?: number): LuaOutcome {
    const { lua, to_luastring } = this.f;
    const L = this.L;
    const base = lua.lua_gettop(L);
    lua.lua_getglobal(L, to_luastring('string'));
    lua.lua_getfield(L, -1, to_luastring(fn));
    lua.lua_remove(L, -2);
    lua.lua_pushlstring(L, Uint8Array.from(subject), subject.length);
    lua.lua_pushlstring(L, Uint8Array.from(pattern), pattern.length);
    if (init !== undefined) lua.lua_pushinteger(L, init);
    const status = lua.lua_pcall(L, init === undefined ? 2 : 3, lua.LUA_MULTRET, 0);
    const top = lua.lua_gettop(L);
    try {
      if (status !== lua.LUA_OK) {
        return { ok: false, error: Buffer.from(lua.lua_tolstring(L, -1)).toString('latin1') };
      }
      const values: LuaValue[] = [];
      for (let i = base + 1; i <= top; i++) {
        const type = lua.lua_type(L, i);
        if (type === lua.LUA_TNIL) values.push(null);
        else if (type === lua.LUA_TNUMBER) values.push(lua.lua_tointeger(L, i));
        else if (type === lua.LUA_TSTRING) values.push(Uint8Array.from(lua.lua_tolstring(L, i)));
        else throw new Error(`unexpected Lua type ${type}`);
      }
      return { ok: true, values };
    } finally {
      lua.lua_settop(L, base);
    }
  }

  /** Convenience for JS strings (UTF-8 encoded). */
  callText(fn: 'find' | 'match', subject: string, pattern: string, init?: number): LuaOutcome {
    const enc = new TextEncoder();
    return this.call(fn, enc.encode(subject), enc.encode(pattern), init);
  }
}
