import fengari from 'fengari';
import { toJson, type LuaJson } from './lua-dat-reader.js';

const { lua, lauxlib, lualib } = fengari;

/**
 * Prosody 0.12's config environment (core/configmanager.lua, parser.load), copied down to what
 * matters for options: `name = value` sets an option of the current section, `VirtualHost "x"`
 * (also with `{ options }`) and `Component "x" "module"` switch sections. Include is left out.
 * Run in a real Lua VM, it is a second opinion on what our data-only reader makes of a config.
 */
const PROSODY_ENV = `
local data, chunkname = ...
local config_table = { ["*"] = {} }
local function set(host, key, value)
  config_table[host] = config_table[host] or {}
  config_table[host][key] = value
end
local env
env = setmetatable({ Host = true, host = true, VirtualHost = true, Component = true, component = true }, {
  __index = function (_, k)
    if k:match("^ENV_") then return os.getenv(k:sub(5)) end
    return nil
  end,
  __newindex = function (_, k, v) set(rawget(env, "__currenthost") or "*", k, v) end,
})
rawset(env, "__currenthost", "*")
function env.VirtualHost(name)
  name = name:lower()
  rawset(env, "__currenthost", name)
  set(name, "defined", true)
  return function (config_options)
    rawset(env, "__currenthost", "*")
    for option_name, option_value in pairs(config_options) do set(name, option_name, option_value) end
  end
end
env.Host, env.host = env.VirtualHost, env.VirtualHost
function env.Component(name)
  name = name:lower()
  set(name, "component_module", "component")
  set(name, "load_global_modules", false)
  rawset(env, "__currenthost", name)
  local function handle_config_options(config_options)
    rawset(env, "__currenthost", "*")
    for option_name, option_value in pairs(config_options) do set(name, option_name, option_value) end
  end
  return function (module)
    if type(module) == "string" then
      set(name, "component_module", module)
      return handle_config_options
    end
    return handle_config_options(module)
  end
end
env.component = env.Component
assert(load(data, chunkname, "t", env))()
return config_table
`;

/** section → option → value, as Prosody's own config loader would leave them. */
export function runConfigLikeProsody(source: string, name: string): Record<string, Record<string, LuaJson>> {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  if (lauxlib.luaL_loadstring(L, fengari.to_luastring(PROSODY_ENV)) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1));
  lua.lua_pushstring(L, fengari.to_luastring(source));
  lua.lua_pushstring(L, fengari.to_luastring(`=${name}`));
  if (lua.lua_pcall(L, 2, 1, 0) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1));
  return toJson(L, -1) as Record<string, Record<string, LuaJson>>;
}
