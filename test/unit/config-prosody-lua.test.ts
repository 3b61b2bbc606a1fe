import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadCountingConfig, type ConfigFlags } from '../../src/config/load-settings.js';
import { readLuaConfig, GLOBAL } from '../../src/config/prosody/read-lua-config.js';
import { DataTable } from '../../src/config/prosody/lua-data.js';
import { ConfigError } from '../../src/errors.js';
import { describeConfig } from '../../src/config/describe-config.js';
import type { RunConfig } from '../../src/config/run-config.js';
import { fixture } from '../helpers/paths.js';
import { runConfigLikeProsody } from '../helpers/prosody-config-lua.js';
import type { LuaJson } from '../helpers/lua-dat-reader.js';
import type { LuaData } from '../../src/config/prosody/lua-data.js';
import { readFileSync } from 'node:fs';
import { MODULE_README_PATTERNS_LUA } from '../helpers/module-config.js';
import { lua, writeConfigTree } from '../helpers/config-files.js';

const NO_FLAGS: ConfigFlags = { clientPattern: [] };
const NO_ENV = {};

function patternsOf(config: ReturnType<typeof loadCountingConfig>, host: string | null) {
  const s = host === null ? config.settings!.global : config.settings!.hosts.get(host)!;
  return s.clientPatterns.value.map((p) => `${p.pattern.source}=${p.category}@${p.origin.slice(p.origin.lastIndexOf('/') + 1)}`);
}

test("Debian's packaged prosody.cfg.lua: Prosody's default data dir, the info log, host localhost, nothing of the module", () => {
  const cfg = fixture('prosody-0.12-debian-config', 'prosody.cfg.lua');
  const config = loadCountingConfig({ ...NO_FLAGS, prosodyConfig: cfg }, NO_ENV);
  assert.equal(config.dataDir, '/var/lib/prosody');
  // info = "/var/log/prosody/prosody.log" (line 199) carries info and up; the .err file only errors.
  assert.deepEqual(config.inputs, ['/var/log/prosody/prosody.log']);
  assert.equal(config.settings!.inputs.origin, `${cfg}:199`);
  assert.deepEqual([...config.hostOptions!.keys()], ['localhost']);
  assert.deepEqual(config.clientPatterns, []);
  assert.equal(config.recordCountry.toString(), 'ALL');
  assert.equal(config.mmdbPath, null);
  assert.equal(config.prosody!.logLevel, 'info');
  assert.deepEqual(config.prosody!.moduleLoadedOn, []);
  // The Include of conf.d/*.cfg.lua was followed (the symlink to conf.avail/localhost.cfg.lua).
  const raw = readLuaConfig(cfg);
  assert.deepEqual(raw.hosts.map((h) => [h.name, h.kind]), [['localhost', 'VirtualHost']]);
  const global = raw.sections.get(GLOBAL)!;
  assert.equal(global.get('authentication')!.value, 'internal_hashed');
  const limits = global.get('limits')!.value as DataTable;
  assert.equal((limits.get('c2s') as DataTable).get('rate'), '10kb/s');
  const modules = (global.get('modules_enabled')!.value as DataTable).sequence().map((e) => e.value);
  assert.equal(modules.length, 26);
  assert.equal(modules[0], 'disco');
  assert.equal(modules[25], 'posix');
});

// Every form: locals, options read back, .., arithmetic, ENV_, t[k] = v, t.k = v, constructors,
// both VirtualHost forms, Component, Include (plain and glob), per-host options, log sinks.
const EVERY_FORM = {
  'prosody.cfg.lua': lua(
    '-- line 1',
    'local base = "/srv/xmpp"',
    'data_path = base .. "/data"',
    'mod_monthly_visitors_mmdb_path = base .. "/City.mmdb"',
    'modules_enabled = { "roster"; "saslauth"; }',
    'log = {',
    '  { levels = { min = "debug" }, to = "file", filename = "logs/debug.log" };',
    '  { levels = { "info", "warn" }, to = "file", filename = "logs/info.log" };',
    '  "*syslog";',
    '}',
    ...MODULE_README_PATTERNS_LUA,
    'mod_monthly_visitors_client_patterns = client_patterns;',
    'client_patterns.Gajim = "DESKTOP" -- same table: counts',
    'limit = 10 * 1024 + -1',
    'greeting = ENV_MV_TEST_UNSET_VARIABLE or "hi" .. 2',
    'VirtualHost "Example.COM"',
    '  mod_monthly_visitors_record_country = "de"',
    '  copy = greeting -- nil: Prosody reads the current section only',
    'VirtualHost "chat.example.org" {',
    '  mod_monthly_visitors_client_patterns = { ["^Dino"] = "DESKTOP", ["^Conv"] = "ANDROID" };',
    '  modules_enabled = { "monthly_visitors" };',
    '}',
    'mod_monthly_visitors_record_country = "ALL" -- global again after the { } form',
    'Component "conference.example.com" "muc"',
    '  modules_enabled = { "muc_mam" }',
    'Include "extra.cfg.lua"',
    'Include "hosts.d/*.cfg.lua"',
  ),
  'extra.cfg.lua': lua('mod_monthly_visitors_mmdb_path = "geo/City.mmdb" -- relative to this file'),
  'hosts.d/a.cfg.lua': lua(
    'VirtualHost "a.example.net"',
    'local p = { { "^Monal", "IOS" } }',
    'p[2] = { pattern = "^Siskin", category = "IOS" }',
    'mod_monthly_visitors_client_patterns = p',
    'mod_monthly_visitors_record_country = { "DE", "AT" }',
  ),
  'hosts.d/.hidden.cfg.lua': lua('VirtualHost "hidden.example"'),
  'hosts.d/b.cfg.txt': lua('VirtualHost "txt.example"'),
};

test('a config using every supported form gives the options per host, in the order written, with their lines', () => {
  const dir = writeConfigTree(EVERY_FORM);
  const cfg = join(dir, 'prosody.cfg.lua');
  const config = loadCountingConfig({ ...NO_FLAGS, prosodyConfig: cfg }, NO_ENV);

  assert.equal(config.dataDir, '/srv/xmpp/data');
  assert.equal(config.settings!.dataDir.origin, `${cfg}:3`);
  // The debug sink is the most useful one; the info file and syslog are left out.
  assert.deepEqual(config.inputs, [join(dir, 'logs/debug.log')]);
  assert.equal(config.prosody!.logLevel, 'debug');
  // The included file (global section) set the path last, relative to itself.
  assert.equal(config.mmdbPath, join(dir, 'geo/City.mmdb'));
  assert.equal(config.settings!.global.mmdbPath.origin, `${join(dir, 'extra.cfg.lua')}:1`);
  assert.equal(config.recordCountry.toString(), 'ALL');
  assert.equal(config.settings!.global.recordCountry.origin, `${cfg}:28`);
  assert.deepEqual(patternsOf(config, null), [
    '^zom%d+.*=IOS@prosody.cfg.lua:12',
    '^Zom-.*=IOS@prosody.cfg.lua:13',
    '^chatsecure%d+.*=IOS@prosody.cfg.lua:14',
    '^ChatSecureZom-.*=ANDROID@prosody.cfg.lua:15',
    '^Conversations%..*=ANDROID@prosody.cfg.lua:16',
    'Gajim=DESKTOP@prosody.cfg.lua:18',
  ]);

  // Hosts are case-folded; components and skipped files are not hosts.
  assert.deepEqual([...config.hostOptions!.keys()], ['example.com', 'chat.example.org', 'a.example.net']);
  const example = config.settings!.hosts.get('example.com')!;
  assert.equal(example.recordCountry.value.toString(), 'DE');
  assert.equal(example.recordCountry.origin, `${cfg}:22`);
  assert.equal(example.clientPatterns.origin, `${cfg}:17`); // the global list
  assert.deepEqual(patternsOf(config, 'chat.example.org'), ['^Dino=DESKTOP@prosody.cfg.lua:25', '^Conv=ANDROID@prosody.cfg.lua:25']);
  assert.deepEqual(patternsOf(config, 'a.example.net'), ['^Monal=IOS@a.cfg.lua:2', '^Siskin=IOS@a.cfg.lua:3']);
  assert.equal(config.hostOptions!.get('a.example.net')!.recordCountry.toString(), 'DE,AT');
  assert.equal(config.hostOptions!.get('a.example.net')!.mmdbPath, join(dir, 'geo/City.mmdb'));

  // modules_enabled of chat.example.org loads the module on that host (and only there).
  assert.deepEqual(config.prosody!.moduleLoadedOn, [{ host: 'chat.example.org', origin: `${cfg}:26` }]);

  const raw = readLuaConfig(cfg);
  const global = raw.sections.get(GLOBAL)!;
  assert.equal(global.get('limit')!.value, 10239);
  assert.equal(global.get('greeting')!.value, 'hi2');
  assert.equal(raw.sections.get('example.com')!.has('copy'), false);
  assert.deepEqual(
    raw.hosts.map((h) => [h.name, h.kind, h.module]),
    [
      ['example.com', 'VirtualHost', null],
      ['chat.example.org', 'VirtualHost', null],
      ['conference.example.com', 'Component', 'muc'],
      ['a.example.net', 'VirtualHost', null],
    ],
  );
  assert.deepEqual((raw.sections.get('conference.example.com')!.get('modules_enabled')!.value as DataTable).get(1), 'muc_mam');
});

test('log sinks: a plain file name is info and up; { info = … } is that level and up; *syslog is no file', () => {
  const cases: Array<[string, string[], string | null]> = [
    ['log = "prosody.log"', ['prosody.log'], 'info'],
    ['log = "*syslog"', [], null],
    ['log = { debug = "all.log", info = "info.log", error = "err.log" }', ['all.log'], 'debug'],
    ['log = { info = "a.log", warn = "b.log" }', ['a.log'], 'info'],
    ['log = { { levels = "debug", to = "file", filename = "d.log" }, { to = "file", filename = "every.log" } }', ['d.log', 'every.log'], 'debug'],
    ['log = { { levels = { max = "info" }, to = "file", filename = "quirk.log" } }', ['quirk.log'], 'info'],
    ['log = { { levels = { min = "warn" }, to = "file", filename = "w.log" }, "*console" }', [], null],
    ['log = { { levels = { "debug" }, to = "file", filename = "x.log" }, { levels = { "debug" }, to = "file", filename = "x.log" } }', ['x.log'], 'debug'],
  ];
  for (const [line, files, level] of cases) {
    const dir = writeConfigTree({ 'p.cfg.lua': lua(line) });
    const config = loadCountingConfig({ ...NO_FLAGS, prosodyConfig: join(dir, 'p.cfg.lua') }, NO_ENV);
    assert.deepEqual(config.inputs, files.map((f) => join(dir, f)), line);
    assert.equal(config.prosody!.logLevel, level, line);
  }
});

test('precedence: prosody.cfg.lua < our config file < flags, host values beat global ones within a source', () => {
  const dir = writeConfigTree({
    'prosody.cfg.lua': lua(
      'data_path = "pdata"',
      'mod_monthly_visitors_record_country = "DE"',
      'mod_monthly_visitors_client_patterns = { ["^A"] = "PROSODY" }',
      'VirtualHost "one.example"',
      '  mod_monthly_visitors_record_country = "FR"',
      'VirtualHost "two.example"',
      '  mod_monthly_visitors_client_patterns = { ["^B"] = "PROSODY_HOST" }',
    ),
    'mv.json': JSON.stringify({
      record_country: 'AT',
      mmdb_path: 'ours.mmdb',
      state: 'state.json',
      hosts: { 'TWO.example': { record_country: ['CH', 'LI'] } },
    }),
  });
  const base = { prosodyConfig: join(dir, 'prosody.cfg.lua'), config: join(dir, 'mv.json') };
  const config = loadCountingConfig({ ...base, clientPattern: [] }, NO_ENV);
  assert.equal(config.dataDir, join(dir, 'pdata'));
  assert.equal(config.statePath, join(dir, 'state.json'));
  assert.equal(config.mmdbPath, join(dir, 'ours.mmdb'));
  assert.equal(config.recordCountry.toString(), 'AT'); // our file beats Prosody's global
  assert.equal(config.hostOptions!.get('one.example')!.recordCountry.toString(), 'AT'); // …and Prosody's host value
  assert.equal(config.hostOptions!.get('two.example')!.recordCountry.toString(), 'CH,LI');
  assert.equal(config.hostOptions!.get('two.example')!.clientPatterns[0]!.category, 'PROSODY_HOST');
  assert.equal(config.hostOptions!.get('one.example')!.clientPatterns[0]!.category, 'PROSODY');

  const flagged = loadCountingConfig({ ...base, clientPattern: ['^C=FLAG'], recordCountry: 'ALL', dataDir: '/x' }, NO_ENV);
  assert.equal(flagged.dataDir, '/x');
  for (const host of ['one.example', 'two.example']) {
    assert.equal(flagged.hostOptions!.get(host)!.recordCountry.toString(), 'ALL');
    assert.deepEqual(flagged.hostOptions!.get(host)!.clientPatterns.map((p) => p.category), ['FLAG']);
  }
  assert.equal(flagged.settings!.hosts.get('two.example')!.recordCountry.origin, '--record-country');
});

test('our config file: JSON pairs keep their order, Lua form with VirtualHost sections, unknown keys are errors', () => {
  const dir = writeConfigTree({
    'a.json': JSON.stringify({
      client_patterns: [['^zom%d+.*', 'IOS'], { pattern: '^Conversations%..*', category: 'ANDROID' }, ['^Gajim', 'DESKTOP']],
      inputs: ['logs/ejabberd.log', '/var/log/ejabberd/ejabberd.log.1'],
    }),
    'b.lua': lua('record_country = "DE"', 'inputs = { "x.log" }', 'VirtualHost "h.example"', '  client_patterns = { ["^Gajim"] = "DESKTOP" }'),
    'typo.json': JSON.stringify({ record_contry: 'DE' }),
    'prefixed.lua': lua('mod_monthly_visitors_record_country = "DE"'),
  });
  const a = loadCountingConfig({ ...NO_FLAGS, config: join(dir, 'a.json') }, NO_ENV);
  assert.deepEqual(a.clientPatterns.map((p) => p.category), ['IOS', 'ANDROID', 'DESKTOP']);
  assert.deepEqual(a.inputs, [join(dir, 'logs/ejabberd.log'), '/var/log/ejabberd/ejabberd.log.1']);
  assert.equal(a.dataDir, null);

  const b = loadCountingConfig({ ...NO_FLAGS, config: join(dir, 'b.lua') }, NO_ENV);
  assert.equal(b.recordCountry.toString(), 'DE');
  assert.deepEqual(b.inputs, [join(dir, 'x.log')]);
  assert.equal(b.hostOptions!.get('h.example')!.clientPatterns[0]!.category, 'DESKTOP');
  assert.equal(b.settings!.hosts.get('h.example')!.clientPatterns.origin, `${join(dir, 'b.lua')}:4`);

  assert.throws(() => loadCountingConfig({ ...NO_FLAGS, config: join(dir, 'typo.json') }, NO_ENV), /typo\.json: unknown option "record_contry"/);
  assert.throws(() => loadCountingConfig({ ...NO_FLAGS, config: join(dir, 'prefixed.lua') }, NO_ENV), /prefixed\.lua:1: unknown option "mod_monthly_visitors_record_country"/);
});

test('bad values name the file and line: a malformed pattern, a bad country, a pattern table that is a string', () => {
  const cases: Array<[string, RegExp]> = [
    ['mod_monthly_visitors_client_patterns = {}\nmod_monthly_visitors_client_patterns["^zom%"] = "IOS"', /p\.cfg\.lua:2: client pattern "\^zom%": malformed pattern \(ends with '%'\)/],
    ['VirtualHost "x"\nmod_monthly_visitors_record_country = "Germany"', /p\.cfg\.lua:2: mod_monthly_visitors_record_country "Germany": "GERMANY" is not a two-letter ISO country code/],
    ['mod_monthly_visitors_client_patterns = "^Gajim"', /p\.cfg\.lua:1: mod_monthly_visitors_client_patterns must be a table/],
    ['data_path = 42', /p\.cfg\.lua:1: data_path must be a string, not a number/],
    ['x = {}\nx.y.z = 1', /p\.cfg\.lua:2: attempt to index a nil value \(x\.y\)/],
    ['x = "a" .. {}', /p\.cfg\.lua:1: attempt to concatenate a table value/],
    ['x = = 1', /p\.cfg\.lua:1: Lua syntax error: /],
    ['Include "missing.cfg.lua"', /p\.cfg\.lua:1: Include ".*missing\.cfg\.lua": cannot read the config: no such file or directory/],
    ['Include "p.cfg.lua"', /includes nest deeper than 20 files/],
  ];
  for (const [source, expected] of cases) {
    const dir = writeConfigTree({ 'p.cfg.lua': `${source}\n` });
    assert.throws(
      () => loadCountingConfig({ ...NO_FLAGS, prosodyConfig: join(dir, 'p.cfg.lua') }, NO_ENV),
      (err: unknown) => err instanceof ConfigError && expected.test(err.message),
      source,
    );
  }
});

test('code is refused with its file and line, before anything after it is even looked at', () => {
  const refused: Array<[string, RegExp]> = [
    ['os.execute("touch marker")', /calling os\.execute\(…\) is not supported/],
    ['local f = io.open("marker", "w")', /calling io\.open\(…\) is not supported/],
    ['require "socket"', /calling require\(…\) is not supported/],
    ['dofile "/etc/passwd"', /calling dofile\(…\) is not supported/],
    ['x = loadstring("return 1")()', /calling loadstring\(…\)\(…\) is not supported/],
    ["load(\"os.exit()\")()", /calling load\(…\) is not supported/],
    ['print "hello"', /calling print\(…\) is not supported/],
    ['RunScript "more.lua"', /calling RunScript\(…\) is not supported/],
    ['Lua.os.execute("touch marker")', /calling Lua\.os\.execute\(…\) is not supported/],
    ['x = ("a"):rep(3)', /calling an expression:rep\(…\) is not supported/],
    ['x = os', /os \(Lua's standard library\) is not supported/],
    ['x = _G', /_G \(Lua's standard library\) is not supported/],
    ['local t = setmetatable({}, {})', /calling setmetatable\(…\) is not supported/],
    ['local function f() end', /a function definition is not supported/],
    ['x = function() end', /a function definition is not supported/],
    ['for i = 1, 3 do end', /a loop is not supported/],
    ['while true do end', /a loop is not supported/],
    ['if x then y = 1 end', /an if statement is not supported/],
    ['x = VirtualHost', /using VirtualHost other than as a directive is not supported/],
    ['t = { f = os.getenv("HOME") }', /calling os\.getenv\(…\) is not supported/],
    ['local VirtualHost = print\nVirtualHost "x"', /print \(Lua's standard library\) is not supported/],
  ];
  for (const [source, expected] of refused) {
    const dir = writeConfigTree({ 'p.cfg.lua': lua('-- harmless', 'data_path = "/x"', source, 'VirtualHost "after.example"') });
    assert.throws(
      () => readLuaConfig(join(dir, 'p.cfg.lua')),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.startsWith(`${join(dir, 'p.cfg.lua')}:3: `) &&
        expected.test(err.message) &&
        /never runs it/.test(err.message),
      source,
    );
  }
});

test("where Prosody itself would load mod_monthly_visitors (modulemanager's rule, checked in 0.12's source)", () => {
  const cases: Array<[string[], string[]]> = [
    [['modules_enabled = { "monthly_visitors" }'], ['a.example', 'b.example']],
    [['modules_enabled = { "monthly_visitors" }', 'modules_disabled = { "monthly_visitors" }'], []],
    [['modules_enabled = { "roster", "monthly_visitors" }', 'VirtualHost "b.example"', 'modules_disabled = { "monthly_visitors" }'], ['a.example']],
    [['Component "muc.example" "muc"', 'modules_enabled = { "monthly_visitors" }'], ['muc.example']],
    [['modules_disabled = { "monthly_visitors" }', 'VirtualHost "b.example"', 'modules_enabled = { "monthly_visitors" }'], ['b.example']],
  ];
  for (const [lines, expected] of cases) {
    // Global lines first, then the hosts (re-declaring a host reopens its section, as in Prosody).
    const global = lines.filter((l, i) => !lines.slice(0, i + 1).some((x) => /^(VirtualHost|Component)/.test(x)));
    const rest = lines.slice(global.length);
    const dir = writeConfigTree({ 'p.cfg.lua': lua(...global, 'VirtualHost "a.example"', 'VirtualHost "b.example"', 'Component "muc.example" "muc"', ...rest) });
    const config = loadCountingConfig({ ...NO_FLAGS, prosodyConfig: join(dir, 'p.cfg.lua') }, NO_ENV);
    assert.deepEqual(config.prosody!.moduleLoadedOn.map((m) => m.host), expected, lines.join('; '));
  }
});

/** Our reader's sections in the shape the Lua VM's tables come out (keys as strings). */
function sectionsAsJson(sections: ReturnType<typeof readLuaConfig>['sections']): Record<string, Record<string, LuaJson>> {
  const toJson = (v: LuaData): LuaJson => {
    if (v instanceof DataTable) return Object.fromEntries([...v.entries()].map(([k, e]) => [String(k), toJson(e.value)]));
    return v as LuaJson;
  };
  return Object.fromEntries([...sections].map(([name, options]) => [name, Object.fromEntries([...options].map(([k, e]) => [k, toJson(e.value)]))]));
}

test("the same config run by a real Lua VM in Prosody's own config environment leaves the same options", () => {
  // Every form but Include (Prosody's loader reads files; ours is tested above).
  const source = EVERY_FORM['prosody.cfg.lua'].split('\n').filter((l) => !l.startsWith('Include')).join('\n');
  const debian = readFileSync(fixture('prosody-0.12-debian-config', 'prosody.cfg.lua'), 'utf8').replace(/^Include .*$/m, '');
  for (const [name, text] of [['every-form.cfg.lua', source], ['debian.cfg.lua', debian]] as const) {
    const dir = writeConfigTree({ [name]: text });
    const ours = sectionsAsJson(readLuaConfig(join(dir, name)).sections);
    const prosody = runConfigLikeProsody(text, name);
    // Prosody's bookkeeping options, which our reader keeps as host declarations instead.
    for (const options of Object.values(prosody)) for (const k of ['defined', 'component_module', 'load_global_modules']) delete options[k];
    assert.deepEqual(ours, prosody, name);
  }
});

test("check's description warns about a log file the config names that does not exist", () => {
  const dir = writeConfigTree({ 'p.cfg.lua': lua('data_path = "d"', 'log = { info = "here.log", debug = "gone.log" }'), 'here.log': '' });
  const config = loadCountingConfig({ ...NO_FLAGS, prosodyConfig: join(dir, 'p.cfg.lua') }, NO_ENV);
  // debug = "gone.log" is debug and up, so it is the one input (and here.log is left out).
  const { warnings } = describeConfig({ ...config } as unknown as RunConfig);
  assert.deepEqual(warnings, [{ code: 'log-missing', message: `${join(dir, 'p.cfg.lua')}:2: log ${join(dir, 'gone.log')} does not exist` }]);
});
