import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fengari from 'fengari';

const { lua, lauxlib } = fengari;

export type LuaJson = string | number | boolean | { [key: string]: LuaJson };

/**
 * Reads a `.dat` file with a real Lua VM (fengari, no standard library opened): an independent
 * second opinion on what our own reader and writer do.
 */
export function loadDatWithLua(path: string): LuaJson {
  const L = lauxlib.luaL_newstate();
  const bytes = new Uint8Array(readFileSync(path));
  if (lauxlib.luaL_loadbuffer(L, bytes, null, fengari.to_luastring(path)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(`${path}: Lua could not load it: ${lua.lua_tojsstring(L, -1)}`);
  }
  return toJson(L, -1);
}

export function toJson(L: unknown, index: number): LuaJson {
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TSTRING:
      return lua.lua_tojsstring(L, index);
    case lua.LUA_TNUMBER:
      return lua.lua_tonumber(L, index);
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, index);
    case lua.LUA_TTABLE: {
      const out: { [key: string]: LuaJson } = {};
      const t = lua.lua_absindex(L, index);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, t) !== 0) {
        lua.lua_pushvalue(L, -2);
        const key = lua.lua_tojsstring(L, -1);
        lua.lua_pop(L, 1);
        out[key] = toJson(L, -1);
        lua.lua_pop(L, 1);
      }
      return out;
    }
    default:
      throw new Error(`unexpected Lua type ${lua.lua_typename(L, lua.lua_type(L, index))}`);
  }
}

export interface StoreJson {
  [host: string]: { last_recorded: Record<string, string>; months: Record<string, Record<string, number>> };
}

/** A whole data dir's statistics, read by Lua, in the shape `expected/*.json` files use. */
export function readStoreWithLua(dataDir: string): StoreJson {
  const out: StoreJson = {};
  if (!existsSync(dataDir)) return out;
  for (const hostDir of readdirSync(dataDir).sort()) {
    const base = join(dataDir, hostDir);
    if (!statSync(base).isDirectory()) continue;
    const hostFile = join(base, 'monthly%2dvisitors.dat');
    const usersDir = join(base, 'monthly%2dvisitors');
    if (!existsSync(hostFile) && !existsSync(usersDir)) continue;
    const host = decodeURIComponent(hostDir);
    const months = existsSync(hostFile) ? (loadDatWithLua(hostFile) as Record<string, Record<string, number>>) : {};
    const last: Record<string, string> = {};
    if (existsSync(usersDir)) {
      for (const f of readdirSync(usersDir).sort()) {
        if (!f.endsWith('.dat')) continue;
        const rec = loadDatWithLua(join(usersDir, f)) as Record<string, string>;
        last[decodeURIComponent(f.slice(0, -4))] = rec['last-recorded'];
      }
    }
    out[host] = { last_recorded: last, months };
  }
  return out;
}
