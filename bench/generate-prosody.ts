/**
 * A deterministic generator of a realistic Prosody 0.12 file-sink log (SPEC §4), for benchmarks.
 *
 * Every line shape is modelled on the real log `fixtures/prosody-0.12-p1/prosody.debug.log`
 * (`Mmm DD HH:MM:SS <source>\t<level>\t<message>`, a login = New connection / Connected /
 * Client connected / SASL / Authenticated as / Successful authentication (mod_log_auth) /
 * bind / `Resource bound` / presence / close / Client disconnected). Lines the fixture does not show
 * (STARTTLS, direct TLS, s2s, stream management, tracebacks from other modules …) follow the message
 * formats of Prosody 0.12's source (net/server_epoll.lua, mod_tls, mod_c2s, mod_s2s); a few noise
 * lines whose exact wording could not be checked are plausible approximations, marked below.
 *
 * The traffic: N users (Zipf-like activity) on three virtual hosts, hundreds of interleaved c2s
 * sessions, IPv4 and IPv6 peers from real public ISP ranges (so a real GeoLite2 database finds
 * them), clients with realistic resources, plus s2s, HTTP, storage, certificate and server noise,
 * one server restart in the middle and multi-line tracebacks. Time advances with the bytes written,
 * with a day/night rhythm, from the first to the last second of the period. `info` output is the
 * same traffic with only info/warn/error lines (Debian's default log level).
 *
 * Usage: node dist/bench/generate-prosody.js [--size-mb 1024] [--users 100000] [--level debug|info|both]
 *        [--seed 1] [--concurrency 400] [--out-dir bench/.cache] [--force]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bump when the output changes, so cached logs are regenerated. */
export const GENERATOR_VERSION = 5;

export interface GenerateOptions {
  /** Size of the debug-level log in MiB; the info log is the same traffic, so much smaller. */
  readonly sizeMb: number;
  readonly users: number;
  readonly seed: number;
  /** Open c2s sessions at any time (a busy server has hundreds). */
  readonly concurrency: number;
  /** First month, `YYYY-MM`, and how many months the log covers. */
  readonly startMonth: string;
  readonly months: number;
  readonly outDir: string;
  readonly writeDebug: boolean;
  readonly writeInfo: boolean;
}

export const DEFAULT_OPTIONS: GenerateOptions = {
  sizeMb: 1024,
  users: 100_000,
  seed: 1,
  concurrency: 400,
  startMonth: '2026-07',
  months: 3,
  outDir: 'bench/.cache',
  writeDebug: true,
  writeInfo: true,
};

/** What a replay of the log must find (ground truth for the benchmark's sanity checks). */
export interface Expected {
  /** `Resource bound` lines: the logins of the debug log. */
  readonly debugLogins: number;
  /** Distinct (host, user, month) among them: what a backfill counts. */
  readonly debugCounted: number;
  /** `Authenticated as` lines: the logins of the info log. */
  readonly infoLogins: number;
  readonly infoCounted: number;
  /** host → month → `client-<category>` → count, for the debug log with BENCH_CLIENT_PATTERNS. */
  readonly clients: Record<string, Record<string, Record<string, number>>>;
  /** Distinct users that logged in (bound) at least once. */
  readonly distinctUsers: number;
}

export interface GenerateResult {
  readonly params: Record<string, string | number>;
  readonly debugPath: string;
  readonly infoPath: string;
  readonly debugBytes: number;
  readonly debugLines: number;
  readonly infoBytes: number;
  readonly infoLines: number;
  readonly connections: number;
  readonly expected: Expected;
  /** Debug lines per kind of traffic, and per level. */
  readonly mix: Record<string, number>;
  readonly levels: Record<string, number>;
  readonly seconds: number;
  readonly reused: boolean;
}

/** The client patterns the benchmark passes to the CLI (Lua patterns, first match wins). */
export const BENCH_CLIENT_PATTERNS: readonly string[] = [
  '^zom%d+.*=IOS',
  '^Zom-.*=IOS',
  '^chatsecure%d+.*=IOS',
  '^ChatSecureZom-.*=ANDROID',
  '^Conversations%..*=ANDROID',
];
// The same patterns as JS regexes, for the expected tallies. Careful: in a Lua pattern `-` after a
// character is the lazy `*` quantifier, so `^Zom-.*` is "Zo, any number of m, anything" — every
// resource starting with `Zo` (checked against Lua 5.4 via fengari); likewise `^ChatSecureZom-.*`.
const CATEGORY_REGEXES: readonly [RegExp, string][] = [
  [/^zom[0-9]+/, 'IOS'],
  [/^Zo/, 'IOS'],
  [/^chatsecure[0-9]+/, 'IOS'],
  [/^ChatSecureZo/, 'ANDROID'],
  [/^Conversations\../s, 'ANDROID'],
];
function categoryOf(resource: string): string {
  for (const [re, cat] of CATEGORY_REGEXES) if (re.test(resource)) return cat;
  return '?';
}

export function baseName(o: GenerateOptions): string {
  return `prosody-s${o.sizeMb}m-u${o.users}-c${o.concurrency}-${o.startMonth}x${o.months}-seed${o.seed}-v${GENERATOR_VERSION}`;
}

export function pathsFor(o: GenerateOptions): { debug: string; info: string; meta: string } {
  const base = join(o.outDir, baseName(o));
  return { debug: `${base}.debug.log`, info: `${base}.info.log`, meta: `${base}.meta.json` };
}

/** Returns the cached log when it was generated with the same parameters, else generates it. */
export function ensureProsodyLogs(o: GenerateOptions, force = false, log: (s: string) => void = () => {}): GenerateResult {
  const p = pathsFor(o);
  let keepDebug = false;
  let keepInfo = false;
  if (!force && existsSync(p.meta)) {
    try {
      const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as GenerateResult & { wroteDebug: boolean; wroteInfo: boolean };
      const debugOk = meta.wroteDebug && existsSync(p.debug) && statSync(p.debug).size === meta.debugBytes;
      const infoOk = meta.wroteInfo && existsSync(p.info) && statSync(p.info).size === meta.infoBytes;
      // The paths of this cache folder, not the ones recorded (a cache copied from another checkout).
      if ((!o.writeDebug || debugOk) && (!o.writeInfo || infoOk)) return { ...meta, debugPath: p.debug, infoPath: p.info, reused: true };
      // regenerating anyway: write again what was there, so the meta keeps describing it
      keepDebug = debugOk;
      keepInfo = infoOk;
    } catch {
      // regenerate
    }
  }
  const opts = { ...o, writeDebug: o.writeDebug || keepDebug, writeInfo: o.writeInfo || keepInfo };
  log(`generating ${baseName(opts)} (${opts.sizeMb} MiB debug-level traffic${opts.writeDebug ? '' : ', not written'}${opts.writeInfo ? ' + info-level variant' : ''}) …`);
  const result = new ProsodyLogGenerator(opts).run();
  writeFileSync(p.meta, `${JSON.stringify({ ...result, wroteDebug: opts.writeDebug, wroteInfo: opts.writeInfo }, null, 1)}\n`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** sfc32: small, fast, good enough; seeded, so the same options give the same bytes. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 20; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  next(): number {
    return this.u32() / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** Geometric number of trials with the given mean (≥ 0). */
  geometric(mean: number): number {
    return Math.floor(Math.log(1 - this.next()) / Math.log(mean / (mean + 1)));
  }
}

const ID64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
function rstr(rng: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}
function hex(rng: Rng, n: number): string {
  return rstr(rng, HEX, n);
}

/** Cumulative weights → index, by binary search. */
class WeightedIndex {
  private readonly cum: Float64Array;
  constructor(weights: readonly number[] | Float64Array) {
    this.cum = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) this.cum[i] = s += weights[i]!;
  }
  sample(rng: Rng): number {
    const x = rng.next() * this.cum[this.cum.length - 1]!;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------
// Addresses: real public ISP ranges (checked against GeoLite2-City: every one resolves to a
// country, most to a subdivision and city), by country with a rough share of users.

interface Country {
  readonly cc: string;
  readonly weight: number;
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}
const COUNTRIES: readonly Country[] = [
  { cc: 'DE', weight: 18, v4: ['84.128.0.0/10', '93.192.0.0/10', '178.0.0.0/12'], v6: ['2003::/19'] },
  { cc: 'US', weight: 14, v4: ['73.0.0.0/8', '24.0.0.0/12', '108.0.0.0/12'], v6: ['2601::/20', '2607:fb90::/28'] },
  { cc: 'FR', weight: 8, v4: ['90.0.0.0/9'], v6: ['2a01:e00::/26', '2a01:c000::/19'] },
  { cc: 'GB', weight: 6, v4: ['86.128.0.0/10', '82.0.0.0/14'], v6: ['2a00:23c0::/26'] },
  { cc: 'RU', weight: 5, v4: ['95.24.0.0/13'], v6: [] },
  { cc: 'BR', weight: 5, v4: ['177.0.0.0/10', '189.0.0.0/11'], v6: ['2804:14c::/31'] },
  { cc: 'IN', weight: 5, v4: ['49.32.0.0/11'], v6: ['2409:4000::/22'] },
  { cc: 'ES', weight: 4, v4: ['83.32.0.0/11'], v6: [] },
  { cc: 'IT', weight: 4, v4: ['79.0.0.0/10'], v6: [] },
  { cc: 'NL', weight: 4, v4: ['77.160.0.0/12'], v6: [] },
  { cc: 'JP', weight: 3, v4: ['126.0.0.0/8'], v6: ['240b:10::/28'] },
  { cc: 'CN', weight: 3, v4: ['116.0.0.0/10', '223.64.0.0/11'], v6: ['240e::/20'] },
  { cc: 'PL', weight: 3, v4: ['83.0.0.0/13'], v6: [] },
  { cc: 'IR', weight: 3, v4: ['5.112.0.0/12'], v6: [] },
  { cc: 'SE', weight: 2, v4: ['78.64.0.0/12'], v6: [] },
  { cc: 'AT', weight: 2, v4: ['62.46.0.0/15'], v6: [] },
  { cc: 'CH', weight: 2, v4: ['85.0.0.0/13'], v6: [] },
  { cc: 'CA', weight: 2, v4: ['99.224.0.0/11'], v6: [] },
  { cc: 'AU', weight: 2, v4: ['101.160.0.0/11'], v6: [] },
  { cc: 'TR', weight: 2, v4: ['78.160.0.0/11'], v6: [] },
  { cc: 'UA', weight: 2, v4: ['46.200.0.0/13'], v6: [] },
  { cc: 'ID', weight: 1, v4: ['36.64.0.0/11'], v6: [] },
];

interface V4Range {
  readonly base: number;
  readonly size: number;
}
function parseV4(cidr: string): V4Range {
  const [addr, len] = cidr.split('/') as [string, string];
  const p = addr.split('.').map(Number);
  const base = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  return { base, size: 2 ** (32 - Number(len)) };
}
function v4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
/** Eight 16-bit groups of a prefix, and its length. */
interface V6Range {
  readonly groups: readonly number[];
  readonly len: number;
}
function parseV6(cidr: string): V6Range {
  const [addr, len] = cidr.split('/') as [string, string];
  const [head, tail = ''] = addr.split('::') as [string, string?];
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const t = tail ? tail.split(':').map((x) => parseInt(x, 16)) : [];
  const groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return { groups, len: Number(len) };
}
/** RFC 5952 text form, as inet_ntop (and so Prosody) writes it. */
function v6ToString(g: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hx = (xs: readonly number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hx(g);
  return `${hx(g.slice(0, bestAt))}::${hx(g.slice(bestAt + bestLen))}`;
}

// ---------------------------------------------------------------------------------------------
// Users and their clients

const FIRST = (
  'anna ben carla david emma felix greta hannah ivan julia karl lena max nina otto paula quentin rosa ' +
  'sam tina uwe vera walter xenia yusuf zoe alex chris dana eli finn gina hugo ines jan kim leo mia ' +
  'noah olga pia rafael sara tom ulla victor wanda yara ali bob eve frank grace heidi judy mallory ' +
  'niaj oscar peggy rupert sybil trent wendy arjun priya wei li hiro yuki sven lars pierre marie ' +
  'giulia marco pablo lucia ahmed fatima omar layla dmitri natasha tomasz agnieszka mehmet ayse'
).split(' ');
const LAST = (
  'mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann smith jones brown ' +
  'taylor wilson davies evans martin bernard dubois rossi russo garcia lopez silva santos kumar ' +
  'singh tanaka suzuki wang zhang ivanov petrov kowalski nowak yilmaz kaya jansen devries'
).split(' ');
// Non-ASCII user names, in the form Prosody logs them (nodeprep: lower case, NFKC).
const UNICODE_NAMES = ['émile', 'jürgen', 'zoë', 'josé', 'łukasz', 'søren', 'françois', 'андрей', 'мария', '李雷', 'たろう', 'çağlar', 'ñandú'];
const HOSTS = ['example.org', 'chat.example.org', 'jabber.example.net'] as const;
const HOST_WEIGHTS = [70, 20, 10];
/** The host whose user provider is internal_plain, which logs `get_password` (as in the fixture). */
const PLAIN_HOST = 'jabber.example.net';

const RESOURCE_KINDS: readonly [number, (rng: Rng) => string, boolean][] = [
  // weight, make, fresh resource per login (client or server generates a new one each time)
  [30, (r) => `Conversations.${rstr(r, ALNUM, 4)}`, false],
  [3, () => 'Conversations', false],
  [6, (r) => `gajim.${rstr(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}`, false],
  [2, () => 'Gajim', false],
  [3, (r) => r.pick(['Zom-iPhone', 'Zom-iPad', 'Zom-iPhone 12', 'Zom-Büro Telefon']), false],
  [2, (r) => `zom${r.int(1000)}${rstr(r, 'abcdef0123456789', 3)}`, false],
  [3, (r) => `chatsecure${r.int(100)}`, false],
  [2, (r) => `ChatSecureZom-${r.pick(['Pixel', 'Pixel 7', 'Galaxy S9', 'Moto G'])}`, false],
  [8, (r) => `Monal-iOS.${hex(r, 8)}`, false],
  [5, (r) => `dino.${hex(r, 8)}`, false],
  [3, (r) => `SiskinIM.${rstr(r, ALNUM, 6)}`, false],
  [2, (r) => `yaxim.${rstr(r, ALNUM, 8)}`, false],
  [2, (r) => `Profanity.${rstr(r, ALNUM, 4)}`, false],
  [2, (r) => r.pick(['Psi+', 'psi', 'pidgin', 'Smack', 'Movim', 'poezio']), false],
  [14, (r) => rstr(r, ID64, 12), true], // no resource requested: the server generates one
  [3, (r) => `${r.pick(['émile', 'jürgen', 'zoë', 'marie'])}'s ${r.pick(['phone', 'laptop', 'tablet'])}`, false],
  [3, (r) => r.pick(['Büro', 'Telefon von Jürgen', '手机', 'Mi teléfono & tablet', 'Ноутбук', 'my laptop', 'work pc', 'ordinateur portable']), false],
];
const RESOURCE_INDEX = new WeightedIndex(RESOURCE_KINDS.map((k) => k[0]));

interface Device {
  readonly resource: string;
  readonly fresh: number; // index of RESOURCE_KINDS when a new resource is made per login, else -1
}

interface User {
  readonly name: string;
  readonly host: string;
  readonly bare: string;
  readonly country: number;
  readonly v6: boolean;
  readonly bot: boolean;
  /** Home /24 (IPv4) or home /64 (IPv6, first four groups). */
  readonly home4: number;
  readonly home6: readonly number[];
  readonly devices: readonly Device[];
}

// ---------------------------------------------------------------------------------------------
// Sessions

const enum Flow {
  Login, // binds: a login
  Probe, // TCP connection without XMPP
  FailedAuth,
  NoBind, // authenticates, never binds
}

interface Session {
  readonly id: string; // c2s…
  readonly conn: string; // conn…
  readonly fd: number;
  readonly user: number;
  readonly ip: string;
  readonly port: number;
  readonly listener: 0 | 1 | 2; // 5222 IPv4, 5222 IPv6, 5223 direct TLS
  readonly flow: Flow;
  readonly resource: string;
  readonly jid: string;
  /** The full JID as it appears in XML attributes. */
  readonly jidE: string;
  readonly scram: boolean;
  readonly sm: boolean;
  step: number;
  activity: number;
  acked: number;
}

const K = {
  login: 0,
  activity: 1,
  close: 2,
  failed: 3,
  s2s: 4,
  http: 5,
  storage: 6,
  cert: 7,
  server: 8,
  traceback: 9,
} as const;
const KIND_NAMES = Object.keys(K);

/** Step of a session that has bound and sent its initial presence. */
const ONLINE_STEP = 10;
/** Connections in their handshake at the same time. */
const MAX_HANDSHAKES = 4;
/** Share of clock-moving events that are server noise (s2s, HTTP, storage, certificates …). */
const NOISE_SHARE = 0.4;

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TLS13 = ['TLSv1.3 with TLS_AES_256_GCM_SHA384', 'TLSv1.3 with TLS_AES_128_GCM_SHA256', 'TLSv1.3 with TLS_CHACHA20_POLY1305_SHA256'];
const TLS_ANY = [...TLS13, 'TLSv1.2 with ECDHE-RSA-AES256-GCM-SHA384'];
const MECHS = 'SCRAM-SHA-1, SCRAM-SHA-1-PLUS, SCRAM-SHA-256, SCRAM-SHA-256-PLUS, PLAIN';
const REMOTE_DOMAINS = ['jabber.de', 'conversations.im', 'jabber.ccc.de', 'xmpp.jp', 'jabber.ru', 'movim.eu', 'jabberfr.org', 'yax.im', 'blabber.im', 'disroot.org', 'jabbim.cz', 'trashserver.net'];
const SERVER_V4 = '203.0.113.5';
const SERVER_V6 = '2001:db8:5::5';

function xmlEscape(s: string): string {
  return s.replace(/[&<>'"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === "'" ? '&apos;' : '&quot;'));
}

/**
 * Lines go straight into one large buffer, written out when full: no string ropes, little garbage.
 * Without a file it only counts bytes (the clock runs on debug-level bytes even for `--level info`).
 */
// Buffer#utf8Write skips Buffer#write's argument juggling (a third of the generator's time).
type Utf8Writer = { utf8Write?: (s: string, offset: number) => number };
const utf8Write = (buf: Buffer, s: string, offset: number): number => {
  const fast = (buf as unknown as Utf8Writer).utf8Write;
  return fast !== undefined ? fast.call(buf, s, offset) : buf.write(s, offset);
};

class Output {
  private readonly buf = Buffer.allocUnsafe(16 << 20);
  private off = 0;
  private fd = -1;
  open(path: string): void {
    this.fd = openSync(path, 'w');
  }
  /** Appends a line; returns its length in bytes (the clock: the same whether or not it is written). */
  put(l: string): number {
    if (this.fd < 0) return Buffer.byteLength(l);
    if (this.off + l.length * 3 > this.buf.length) this.flush();
    const n = utf8Write(this.buf, l, this.off);
    this.off += n;
    return n;
  }
  private flush(): void {
    let at = 0;
    while (at < this.off) at += writeSync(this.fd, this.buf, at, this.off - at);
    this.off = 0;
  }
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

export class ProsodyLogGenerator {
  private readonly rng: Rng;
  private readonly users: User[] = [];
  private readonly userIndex: WeightedIndex;
  private readonly countryIndex: WeightedIndex;
  private readonly hostIndex = new WeightedIndex(HOST_WEIGHTS);
  private readonly v4: V4Range[][];
  private readonly v6: V6Range[][];
  private readonly resourcesOnline: Uint16Array;

  // time
  private readonly startMs: number;
  private readonly cum: Float64Array; // cumulative activity per minute, normalised to 1
  private minute = 0;
  private nowSec = 0;
  private dayKey = -1;
  private dayPrefix = '';
  private prefix = '';
  private monthKey = '';
  private readonly hms: string[] = [];

  // output
  private readonly target: number;
  private bytes = 0; // debug-level characters so far (the clock)
  private dbg = new Output();
  private inf = new Output();
  private debugLines = 0;
  private infoLines = 0;
  private readonly mix = new Array<number>(KIND_NAMES.length).fill(0);
  private readonly levels: Record<string, number> = { debug: 0, info: 0, warn: 0, error: 0, continuation: 0 };
  private kind: number = K.login;

  // sessions
  private readonly handshakes: Session[] = [];
  private readonly online: Session[] = [];
  private readonly liveIds = new Set<string>();
  private readonly freedAddrs: string[] = [];
  private readonly freeFds: number[] = [];
  private nextFd = 15;
  private heap = '557f9';
  private connections = 0;
  private restarted = false;
  private lastReloadDay = -1;
  private s2sOut: string[] = [];
  private s2sIn: string[] = [];

  // ground truth
  private debugLogins = 0;
  private infoLogins = 0;
  private readonly debugSeen = new Set<string>();
  private readonly infoSeen = new Set<string>();
  private readonly everBound: Uint8Array;
  private readonly clients: Record<string, Record<string, Record<string, number>>> = {};

  private readonly t0 = process.hrtime.bigint();

  constructor(private readonly o: GenerateOptions) {
    this.rng = new Rng(o.seed * 2654435761 + o.users);
    this.target = o.sizeMb * 1024 * 1024;
    this.v4 = COUNTRIES.map((c) => c.v4.map(parseV4));
    this.v6 = COUNTRIES.map((c) => c.v6.map(parseV6));
    this.countryIndex = new WeightedIndex(COUNTRIES.map((c) => c.weight));
    this.makeUsers();
    // Zipf-like activity: weight 1/(rank+20)^0.9 — the busiest user logs in a few times a day,
    // the long tail once a quarter or never.
    const w = new Float64Array(o.users);
    for (let r = 0; r < o.users; r++) w[r] = 1 / Math.pow(r + 20, 0.9);
    this.userIndex = new WeightedIndex(w);
    this.resourcesOnline = new Uint16Array(o.users);
    this.everBound = new Uint8Array(o.users);

    const [y, m] = o.startMonth.split('-').map(Number) as [number, number];
    this.startMs = Date.UTC(y, m - 1, 1);
    const endMs = Date.UTC(y, m - 1 + o.months, 1);
    const minutes = Math.round((endMs - this.startMs) / 60_000);
    // Day/night rhythm (peak 15:00, trough 03:00 UTC) and quieter weekends.
    this.cum = new Float64Array(minutes + 1);
    let s = 0;
    for (let i = 0; i < minutes; i++) {
      const t = new Date(this.startMs + i * 60_000);
      const h = t.getUTCHours() + t.getUTCMinutes() / 60;
      const weekend = t.getUTCDay() === 0 || t.getUTCDay() === 6 ? 0.85 : 1;
      s += (1 + 0.7 * Math.cos((2 * Math.PI * (h - 15)) / 24)) * weekend;
      this.cum[i + 1] = s;
    }
    for (let i = 0; i <= minutes; i++) this.cum[i] = this.cum[i]! / s;
    for (let sec = 0; sec < 86400; sec++) {
      const hh = Math.floor(sec / 3600);
      const mm = Math.floor((sec % 3600) / 60);
      const ss = sec % 60;
      this.hms.push(`${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')} `);
    }
    this.tick();
  }

  private makeUsers(): void {
    const rng = this.rng;
    const taken = new Set<string>();
    for (let i = 0; i < this.o.users; i++) {
      const host = HOSTS[this.hostIndex.sample(rng)]!;
      const bot = rng.chance(0.004);
      let name: string;
      const style = rng.next();
      if (bot) name = `${rng.pick(['bot', 'bridge', 'monitor', 'feeds'])}-${rng.int(1000)}`;
      else if (style < 0.03) name = `${rng.pick(UNICODE_NAMES)}${rng.chance(0.5) ? rng.int(100) : ''}`;
      else if (style < 0.35) name = `${rng.pick(FIRST)}.${rng.pick(LAST)}`;
      else if (style < 0.55) name = `${rng.pick(FIRST)}${rng.int(10000)}`;
      else if (style < 0.7) name = `${rng.pick(FIRST)}_${rng.pick(LAST)}${rng.chance(0.3) ? rng.int(100) : ''}`;
      else if (style < 0.8) name = `${rng.pick(FIRST)}-${rstr(rng, 'abcdefghijklmnopqrstuvwxyz', 3)}`;
      else if (style < 0.9) name = `${rng.pick(FIRST)[0]}${rng.pick(LAST)}`;
      else name = rstr(rng, 'abcdefghijklmnopqrstuvwxyz0123456789', 5 + rng.int(8));
      while (taken.has(`${name}@${host}`)) name = `${name}${rng.int(10)}`;
      taken.add(`${name}@${host}`);
      const country = this.countryIndex.sample(rng);
      const c = COUNTRIES[country]!;
      const v6 = !bot && c.v6.length > 0 && rng.chance(0.35);
      const r4 = rng.pick(this.v4[country]!);
      const home4 = (r4.base + rng.int(r4.size / 256) * 256) >>> 0;
      let home6: number[] = [];
      if (v6) {
        const r6 = rng.pick(this.v6[country]!);
        home6 = r6.groups.slice(0, 4).map((g, k) => {
          const keep = Math.max(0, Math.min(16, r6.len - 16 * k));
          const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
          return (g & mask) | (rng.int(65536) & ~mask & 0xffff);
        });
      }
      const nDevices = bot ? 1 : rng.chance(0.6) ? 1 : rng.chance(0.75) ? 2 : 3;
      const devices: Device[] = [];
      for (let d = 0; d < nDevices; d++) {
        if (bot) {
          devices.push({ resource: rng.pick(['bridge', 'bot', rstr(rng, ID64, 12)]), fresh: -1 });
          continue;
        }
        const k = RESOURCE_INDEX.sample(rng);
        const [, make, fresh] = RESOURCE_KINDS[k]!;
        devices.push({ resource: make(rng), fresh: fresh ? k : -1 });
      }
      this.users.push({ name, host, bare: `${name}@${host}`, country, v6, bot, home4, home6, devices });
    }
  }

  // -------------------------------------------------------------------------------------------
  // clock and output

  /** Sets the time from the bytes written so far (monotonic), and the line prefix. */
  private tick(): void {
    const p = Math.min(this.bytes / this.target, 0.999999999);
    const cum = this.cum;
    while (this.minute < cum.length - 2 && cum[this.minute + 1]! <= p) this.minute++;
    const frac = (p - cum[this.minute]!) / (cum[this.minute + 1]! - cum[this.minute]!);
    const sec = this.minute * 60 + Math.min(59, Math.floor(frac * 60));
    if (sec === this.nowSec && this.prefix !== '') return;
    if (sec < this.nowSec) return; // never backwards
    this.nowSec = sec;
    const day = Math.floor(sec / 86400);
    if (day !== this.dayKey) {
      this.dayKey = day;
      const d = new Date(this.startMs + day * 86_400_000);
      this.dayPrefix = `${MONTH_NAMES[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} `;
      this.monthKey = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    }
    this.prefix = this.dayPrefix + this.hms[sec % 86400]!;
  }

  private line(src: string, level: string, msg: string): void {
    const l = `${this.prefix}${src}\t${level}\t${msg}\n`;
    this.debugLines++;
    this.mix[this.kind]!++;
    this.levels[level]!++;
    this.bytes += this.dbg.put(l);
    if (level !== 'debug') {
      this.infoLines++;
      this.inf.put(l);
    }
  }
  private d(src: string, msg: string): void {
    this.line(src, 'debug', msg);
  }
  private i(src: string, msg: string): void {
    this.line(src, 'info', msg);
  }
  /** A multi-line message: continuation lines start with a TAB (Lua tracebacks). */
  private continuation(text: string, alsoInfo: boolean): void {
    const l = `\t${text}\n`;
    this.debugLines++;
    this.mix[this.kind]!++;
    this.levels['continuation']!++;
    this.bytes += this.dbg.put(l);
    if (alsoInfo) {
      this.infoLines++;
      this.inf.put(l);
    }
  }

  // -------------------------------------------------------------------------------------------

  run(): GenerateResult {
    const t0 = this.t0;
    const p = pathsFor(this.o);
    mkdirSync(dirname(p.debug), { recursive: true });
    const tmpDebug = `${p.debug}.tmp`;
    const tmpInfo = `${p.info}.tmp`;
    if (this.o.writeDebug) this.dbg.open(tmpDebug);
    if (this.o.writeInfo) this.inf.open(tmpInfo);
    try {
      this.startup();
      const rng = this.rng;
      while (this.bytes < this.target) {
        // A handshake takes well under a second: its steps do not move the clock, and only a few
        // interleave. Online sessions (hundreds) and noise move it.
        if (this.handshakes.length > 0 && rng.next() < 0.85) {
          this.advanceHandshake();
          continue;
        }
        this.tick();
        if (!this.restarted && this.bytes > this.target * 0.55) {
          this.restart();
          continue;
        }
        if (this.dayKey !== this.lastReloadDay && this.nowSec % 86400 >= 4 * 3600 + 25 * 60) {
          this.lastReloadDay = this.dayKey;
          this.reload();
          continue;
        }
        const x = rng.next();
        const open = this.online.length + this.handshakes.length;
        if (x < NOISE_SHARE) this.noise();
        else if (open < this.o.concurrency && this.handshakes.length < MAX_HANDSHAKES) this.connect();
        else if (this.online.length > 0) {
          const k = rng.int(this.online.length);
          if (!this.advance(this.online[k]!)) {
            this.online[k] = this.online[this.online.length - 1]!;
            this.online.pop();
          }
        } else if (this.handshakes.length > 0) this.advanceHandshake();
        else this.connect();
      }
    } finally {
      this.dbg.close();
      this.inf.close();
    }
    if (this.o.writeDebug) renameSync(tmpDebug, p.debug);
    if (this.o.writeInfo) renameSync(tmpInfo, p.info);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const mix: Record<string, number> = {};
    KIND_NAMES.forEach((n, k) => (mix[n] = this.mix[k]!));
    let distinctUsers = 0;
    for (const b of this.everBound) distinctUsers += b;
    return {
      params: {
        sizeMb: this.o.sizeMb,
        users: this.o.users,
        seed: this.o.seed,
        concurrency: this.o.concurrency,
        startMonth: this.o.startMonth,
        months: this.o.months,
        version: GENERATOR_VERSION,
      },
      debugPath: p.debug,
      infoPath: p.info,
      debugBytes: this.o.writeDebug ? statSync(p.debug).size : 0,
      debugLines: this.debugLines,
      infoBytes: this.o.writeInfo ? statSync(p.info).size : 0,
      infoLines: this.infoLines,
      connections: this.connections,
      expected: {
        debugLogins: this.debugLogins,
        debugCounted: this.debugSeen.size,
        infoLogins: this.infoLogins,
        infoCounted: this.infoSeen.size,
        clients: this.clients,
        distinctUsers,
      },
      mix,
      levels: { ...this.levels },
      seconds,
      reused: false,
    };
  }

  private advanceHandshake(): void {
    const k = this.rng.int(this.handshakes.length);
    const s = this.handshakes[k]!;
    const more = this.advance(s);
    if (!more || s.step >= ONLINE_STEP) {
      this.handshakes[k] = this.handshakes[this.handshakes.length - 1]!;
      this.handshakes.pop();
      if (more) this.online.push(s);
    }
  }

  // -------------------------------------------------------------------------------------------
  // server-wide events

  private startup(): void {
    this.kind = K.server;
    const serv4 = `serv${rstr(this.rng, ID64, 12)}`;
    const serv6 = `serv${rstr(this.rng, ID64, 12)}`;
    this.i('startup', 'Hello and welcome to Prosody version 0.12.3');
    this.d('stats', 'Statistics disabled');
    this.certs();
    this.i('startup', 'Prosody is using the epoll backend for connection handling');
    for (const host of HOSTS) {
      this.d('hostmanager', `Activated host: ${host}`);
      this.d('storagemanager', 'map storage driver unavailable, using shim on top of keyval store.');
      this.d('usermanager', `Host '${host}' now set to use user provider '${host === PLAIN_HOST ? 'internal_plain' : 'internal_hashed'}'`);
    }
    this.d('portmanager', 'No active service for c2s, activating...');
    this.d(serv4, 'Server FD 8 (0.0.0.0, 5222) created');
    this.d('portmanager', 'Added listening service c2s to [*]:5222');
    this.d(serv6, 'Server FD 9 (::, 5222) created');
    this.d('portmanager', 'Added listening service c2s to [::]:5222');
    this.i('portmanager', "Activated service 'c2s' on [*]:5222, [::]:5222");
    this.d('portmanager', 'No active service for c2s_direct_tls, activating...');
    this.d(`serv${rstr(this.rng, ID64, 12)}`, 'Server FD 10 (0.0.0.0, 5223) created');
    this.i('portmanager', "Activated service 'c2s_direct_tls' on [*]:5223");
    this.d('portmanager', 'No active service for s2s, activating...');
    this.d(`serv${rstr(this.rng, ID64, 12)}`, 'Server FD 11 (0.0.0.0, 5269) created');
    this.i('portmanager', "Activated service 's2s' on [*]:5269, [::]:5269");
    this.d(`serv${rstr(this.rng, ID64, 12)}`, 'Server FD 12 (0.0.0.0, 5281) created');
    this.i('portmanager', "Activated service 'https' on [*]:5281");
    for (const host of HOSTS) this.d('portmanager', `Gathering certificates for SNI for host ${host}, c2s service`);
  }

  private certs(): void {
    const saved = this.kind;
    this.kind = K.cert;
    for (const host of HOSTS) {
      this.d('certmanager', `Automatically locating certs for host ${host}`);
      this.d('certmanager', `Searching /etc/prosody/certs for a key and certificate for ${host}...`);
      this.d('certmanager', `Selecting certificate /etc/prosody/certs/${host}/fullchain.pem with key /etc/prosody/certs/${host}/privkey.pem for ${host}`);
    }
    this.kind = saved;
  }

  /** Daily logrotate: `prosodyctl reload`. */
  private reload(): void {
    this.kind = K.server;
    this.i('mod_posix', 'Received SIGHUP');
    this.i('general', 'Reloading configuration file');
    this.certs();
    this.i('general', 'Reopening log files');
  }

  /** One restart (package upgrade): every session goes, new listeners, new heap addresses. */
  private restart(): void {
    this.restarted = true;
    this.kind = K.server;
    this.i('mod_posix', 'Received SIGTERM');
    this.i('startup', 'Shutting down: Received SIGTERM');
    this.kind = K.close;
    for (const s of [...this.handshakes, ...this.online]) {
      if (s.flow === Flow.Login && s.step >= 8) {
        this.d(s.id, `c2s stream for ${s.jid} closed: System shutting down`);
        this.unbind(s);
      } else this.d(s.id, `c2s stream for ${s.ip} closed: System shutting down`);
      this.d(s.conn, 'Closing now');
      this.i(s.id, 'Client disconnected: connection closed');
      this.free(s);
    }
    this.handshakes.length = 0;
    this.online.length = 0;
    this.kind = K.server;
    this.d('portmanager', 'Unregistering service: c2s');
    this.i('portmanager', "Deactivated service 'c2s'");
    this.i('general', 'Shutting down...');
    this.i('general', 'Shutdown status: Cleaning up');
    this.i('general', 'Shutdown complete');
    this.d('general', 'Shutdown reason was: Received SIGTERM');
    this.d('general', 'Exiting with status code: 0');
    this.heap = `55${hex(this.rng, 3)}`;
    this.freedAddrs.length = 0;
    this.freeFds.length = 0;
    this.nextFd = 15;
    this.s2sIn = [];
    this.s2sOut = [];
    this.startup();
  }

  /** `<prefix><heap address>`, like Prosody's `tostring(session)`-derived ids; never a live one. */
  private newHeapId(prefix: string): string {
    const rng = this.rng;
    // malloc reuses freed blocks: a new session often gets the address of a recently closed one
    if (this.freedAddrs.length > 0 && rng.chance(0.15)) {
      const k = rng.int(this.freedAddrs.length);
      const id = prefix + this.freedAddrs[k]!;
      this.freedAddrs[k] = this.freedAddrs[this.freedAddrs.length - 1]!;
      this.freedAddrs.pop();
      if (!this.liveIds.has(id)) return id;
    }
    for (;;) {
      const id = `${prefix}${this.heap}${hex(rng, 6)}0`;
      if (!this.liveIds.has(id)) return id;
    }
  }

  private fd(): number {
    return this.freeFds.length > 0 ? this.freeFds.pop()! : this.nextFd++;
  }

  // -------------------------------------------------------------------------------------------
  // c2s

  private connect(): void {
    const rng = this.rng;
    this.connections++;
    const userIdx = this.userIndex.sample(rng);
    const u = this.users[userIdx]!;
    const x = rng.next();
    const flow = u.bot ? Flow.Login : x < 0.02 ? Flow.Probe : x < 0.045 ? Flow.FailedAuth : x < 0.055 ? Flow.NoBind : Flow.Login;
    // address of this login
    let ip: string;
    let v6 = false;
    if (u.bot) {
      v6 = rng.chance(0.5);
      ip = v6 ? '::1' : '127.0.0.1';
    } else {
      const y = rng.next();
      const country = y < 0.03 ? this.countryIndex.sample(rng) : u.country; // travelling
      if (y < 0.03 || (y < 0.28 && !u.v6)) {
        // mobile network or another ISP: anywhere in the country's ranges
        const r = rng.pick(this.v4[country]!);
        ip = v4ToString((r.base + rng.int(r.size)) >>> 0);
      } else if (u.v6) {
        v6 = true;
        // privacy extensions: a new interface identifier most of the time
        const g = [...u.home6, rng.int(65536), rng.int(65536), rng.int(65536), rng.int(65536) || 1];
        ip = v6ToString(g);
      } else ip = v4ToString((u.home4 + 1 + rng.int(254)) >>> 0);
    }
    const device = rng.pick(u.devices);
    const resource = device.fresh >= 0 ? RESOURCE_KINDS[device.fresh]![1](rng) : device.resource;
    const listener: 0 | 1 | 2 = rng.chance(0.1) && !u.bot ? 2 : v6 ? 1 : 0;
    const s: Session = {
      id: this.newHeapId('c2s'),
      conn: `conn${rstr(rng, ID64, 12)}`,
      fd: this.fd(),
      user: userIdx,
      ip,
      port: 1024 + rng.int(64511),
      listener,
      flow,
      resource,
      jid: `${u.bare}/${resource}`,
      jidE: xmlEscape(`${u.bare}/${resource}`),
      scram: rng.chance(0.8),
      sm: rng.chance(0.6),
      step: 0,
      activity: rng.chance(0.25) ? 5 + rng.geometric(30) : rng.geometric(4),
      acked: 0,
    };
    this.liveIds.add(s.id);
    this.kind = flow === Flow.Login ? K.login : K.failed;
    const local = v6 ? SERVER_V6 : SERVER_V4;
    const port = listener === 2 ? 5223 : 5222;
    const peer = `FD ${s.fd} (${ip}, ${s.port}, ${local}, ${port})`;
    const server = listener === 2 ? `FD 10 (0.0.0.0, 5223)` : v6 ? 'FD 9 (::, 5222)' : 'FD 8 (0.0.0.0, 5222)';
    this.d(s.conn, `New connection ${peer} on server ${server}`);
    if (listener === 2) {
      // direct TLS: the handshake comes first, in a later event; `Connected` follows it
      this.d(s.conn, 'Starting TLS now');
      s.step = -1;
    } else {
      this.d(s.conn, `Connected (${peer})`);
      this.i(s.id, 'Client connected');
      s.step = 1;
    }
    this.handshakes.push(s);
  }

  /** Runs the session's next event (one burst of lines); false when the session is over. */
  private advance(s: Session): boolean {
    const rng = this.rng;
    const u = this.users[s.user]!;
    const host = u.host;
    this.kind = s.flow === Flow.Login ? (s.step >= ONLINE_STEP ? K.activity : K.login) : K.failed;
    switch (s.step) {
      case -1: {
        const port = 5223;
        const local = s.ip.includes(':') ? SERVER_V6 : SERVER_V4;
        this.d(s.conn, `TLS handshake complete (${rng.pick(TLS13)})`);
        this.d(s.conn, `Connected (FD ${s.fd} (${s.ip}, ${s.port}, ${local}, ${port}))`);
        this.i(s.id, 'Client connected');
        s.step = 4;
        return true;
      }
      case 1:
        if (s.flow === Flow.Probe) {
          this.d(s.conn, 'Connection closed by remote');
          this.d(s.conn, 'Closing now');
          this.i(s.id, 'Client disconnected: connection closed');
          this.d(s.id, 'Destroying unbound session for <(unknown)@(unknown)>');
          this.free(s);
          return false;
        }
        this.d(`runner${rstr(rng, ID64, 12)}`, 'creating new coroutine');
        this.d(s.id, `Client sent opening <stream:stream> to ${host}`);
        this.d(s.id, "Sending[c2s_unauthed]: <?xml version='1.0'?>");
        this.d(s.id, 'Sent reply <stream:stream> to client');
        this.d(s.id, 'Sending[c2s_unauthed]: <stream:features>');
        s.step = 2;
        return true;
      case 2:
        this.d(s.id, "Received[c2s_unauthed]: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>");
        this.d(s.id, "Sending[c2s_unauthed]: <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'>");
        this.d(s.conn, 'Prepared to start TLS');
        this.d(s.id, 'TLS negotiation started for c2s_unauthed...');
        s.step = 3;
        return true;
      case 3:
        this.d(s.conn, 'Starting TLS now');
        this.d(s.conn, `TLS handshake complete (${rng.pick(TLS_ANY)})`);
        s.step = 4;
        return true;
      case 4:
        if (s.listener === 2) this.d(`runner${rstr(rng, ID64, 12)}`, 'creating new coroutine');
        this.d(s.id, `Client sent opening <stream:stream> to ${host}`);
        this.i(s.id, `Stream encrypted (${rng.pick(TLS13)})`);
        this.d(s.id, "Sending[c2s_unauthed]: <?xml version='1.0'?>");
        this.d(s.id, 'Sent reply <stream:stream> to client');
        this.d(s.id, `SASL mechanisms supported by handler: ${MECHS}`);
        this.d(s.id, `Offering usable mechanisms: ${MECHS}`);
        this.d(s.id, 'Sending[c2s_unauthed]: <stream:features>');
        s.step = 5;
        return true;
      case 5:
        if (s.scram) {
          this.d(s.id, `Received[c2s_unauthed]: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='${rng.chance(0.7) ? 'SCRAM-SHA-1' : 'SCRAM-SHA-256'}'>`);
          this.d(s.id, "Sending[c2s_unauthed]: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
          s.step = 6;
          return true;
        }
        this.d(s.id, "Received[c2s_unauthed]: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' xml:lang='en'>");
        if (host === PLAIN_HOST) this.d(`${host}:auth_internal_plain`, `get_password for username '${u.name}'`);
        return this.authResult(s);
      case 6:
        this.d(s.id, "Received[c2s_unauthed]: <response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
        return this.authResult(s);
      case 7:
        if (s.flow !== Flow.Login) return this.closeUnbound(s);
        this.d(s.id, `Client sent opening <stream:stream> to ${host}`);
        this.d(s.id, "Sending[c2s_unbound]: <?xml version='1.0'?>");
        this.d(s.id, 'Sent reply <stream:stream> to client');
        this.d(s.id, 'Sending[c2s_unbound]: <stream:features>');
        s.step = 8;
        return true;
      case 8: {
        const bindId = rng.chance(0.3) ? `bind_${hex(rng, 8)}` : rstr(rng, ALNUM, 12);
        this.d(s.id, rng.chance(0.5) ? `Received[c2s_unbound]: <iq xml:lang='en' type='set' id='${bindId}'>` : `Received[c2s_unbound]: <iq id='${bindId}' type='set'>`);
        this.d('rostermanager', `load_roster: asked for: ${u.bare}`);
        if (this.resourcesOnline[s.user] === 0) {
          this.d('rostermanager', `load_roster: loading for new user: ${u.bare}`);
          this.d('rostermanager', 'load_roster: cache miss, loading from storage');
        }
        this.d(s.id, `Sending[c2s]: <iq id='${bindId}' type='result'>`);
        this.d(s.id, `Resource bound: ${s.jid}`);
        this.resourcesOnline[s.user]!++;
        this.bound(s);
        s.step = 9;
        return true;
      }
      case 9:
        if (s.sm) {
          this.d(s.id, "Received[c2s]: <enable xmlns='urn:xmpp:sm:3' resume='true'>");
          this.d(s.id, 'Enabling stream management');
          this.d(s.id, `Sending[c2s]: <enabled xmlns='urn:xmpp:sm:3' max='600' id='${rstr(rng, ID64, 20)}' resume='true'>`);
        }
        this.d(s.id, rng.chance(0.5) ? "Received[c2s]: <presence xml:lang='en'>" : 'Received[c2s]: <presence>');
        this.d(s.id, `Sending[c2s]: <presence xml:lang='en' from='${s.jidE}'>`);
        this.d(s.id, 'Broadcasting offline messages');
        this.d('datamanager', `Removing empty offline datastore for user ${u.bare}`);
        s.step = ONLINE_STEP;
        return true;
      default:
        if (s.activity-- > 0) {
          this.activity(s, u);
          return true;
        }
        return this.close(s, u);
    }
  }

  private authResult(s: Session): boolean {
    const u = this.users[s.user]!;
    if (s.flow === Flow.FailedAuth) {
      this.i(s.id, `Failed authentication attempt (not-authorized) for user ${u.bare} from IP: ${s.ip}`);
      if (s.scram) this.d(s.id, "Sending[c2s_unauthed]: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
      s.step = 7;
      return true;
    }
    this.i(s.id, `Authenticated as ${u.bare}`);
    this.i(s.id, `Successful authentication as ${u.bare} from IP: ${s.ip}`);
    this.d(s.id, "Sending[c2s_unbound]: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
    this.authenticated(s);
    s.step = 7;
    return true;
  }

  private closeUnbound(s: Session): boolean {
    const u = this.users[s.user]!;
    this.d(s.id, 'Received </stream:stream>');
    this.d(s.id, `c2s stream for ${s.ip} closed: session closed`);
    this.d(s.id, `Destroying unbound session for <${s.flow === Flow.NoBind ? u.bare : `(unknown)@${u.host}`}>`);
    this.d(s.conn, 'Close after writing remaining buffered data');
    this.d(s.conn, 'Closing now');
    this.i(s.id, 'Client disconnected: connection closed');
    this.free(s);
    return false;
  }

  private activity(s: Session, u: User): void {
    const rng = this.rng;
    const x = rng.next();
    const id = rstr(rng, ALNUM, 10);
    const jidE = s.jidE;
    if (x < 0.25) {
      const to = rng.chance(0.7) ? this.users[this.userIndex.sample(rng)]!.bare : `${rng.pick(FIRST)}@${rng.pick(REMOTE_DOMAINS)}`;
      this.d(s.id, `Received[c2s]: <message type='chat' to='${xmlEscape(to)}' id='${id}'>`);
      if (!to.endsWith('.example.org') && !to.endsWith('@example.org') && !to.endsWith('.example.net')) {
        this.kind = K.s2s;
        this.d(this.s2sSession(true, u.host, to.slice(to.indexOf('@') + 1)), `Sending[s2sout]: <message type='chat' to='${xmlEscape(to)}' id='${id}' from='${jidE}'>`);
      }
    } else if (x < 0.45) {
      const from = `${this.users[this.userIndex.sample(rng)]!.bare}/${rstr(rng, ALNUM, 6)}`;
      this.d(s.id, `Sending[c2s]: <message from='${xmlEscape(from)}' to='${jidE}' type='chat' id='${id}'>`);
    } else if (x < 0.6) {
      const from = `${this.users[this.userIndex.sample(rng)]!.bare}/${rstr(rng, ALNUM, 6)}`;
      this.d(s.id, `Sending[c2s]: <presence from='${xmlEscape(from)}' to='${jidE}'>`);
    } else if (x < 0.72) {
      this.d(s.id, `Received[c2s]: <iq type='get' id='${id}' to='${u.host}'>`);
      this.d(s.id, `Sending[c2s]: <iq type='result' id='${id}' from='${u.host}' to='${jidE}'>`);
    } else if (x < 0.84 && s.sm) {
      s.acked += 1 + rng.int(5);
      this.d(s.id, "Received[c2s]: <r xmlns='urn:xmpp:sm:3'>");
      this.d(s.id, `Sending[c2s]: <a xmlns='urn:xmpp:sm:3' h='${s.acked}'>`);
    } else if (x < 0.9) {
      this.d(s.id, `Received[c2s]: <iq type='get' id='${id}'>`);
      this.d(s.id, `Sending[c2s]: <iq type='result' id='${id}' to='${jidE}'>`);
    } else if (x < 0.95) {
      this.d(s.id, `Received[c2s]: <iq type='set' id='${id}'>`);
      this.kind = K.storage;
      this.d(`${u.host}:mam`, `Archive query id ${rstr(rng, ALNUM, 8)} with <none> from <none> until <none>)`); // approximation
      this.kind = K.activity;
      this.d(s.id, `Sending[c2s]: <iq type='result' id='${id}' to='${jidE}'>`);
    } else if (x < 0.9995) {
      this.d(s.id, rng.chance(0.5) ? "Received[c2s]: <inactive xmlns='urn:xmpp:csi:0'>" : "Received[c2s]: <active xmlns='urn:xmpp:csi:0'>");
    } else {
      // a module fails on a stanza: the traceback is part of the session's log
      this.kind = K.traceback;
      this.line(s.id, 'error', 'Traceback[c2s]: /usr/lib/prosody/modules/mod_pep.lua:263: attempt to index a nil value (local \'item\')');
      this.traceback('mod_pep.lua:263', 'handle_pubsub_iq');
    }
  }

  private traceback(where: string, fn: string): void {
    const lines = [
      'stack traceback:',
      `/usr/lib/prosody/modules/${where}: in upvalue '${fn}'`,
      '/usr/lib/prosody/util/events.lua:81: in function </usr/lib/prosody/util/events.lua:77>',
      '(...tail calls...)',
      "/usr/lib/prosody/core/stanza_router.lua:187: in function 'core.stanza_router.core_post_stanza'",
      "/usr/lib/prosody/core/stanza_router.lua:143: in upvalue 'core_process_stanza'",
      "/usr/lib/prosody/modules/mod_c2s.lua:343: in upvalue 'func'",
      '/usr/lib/prosody/util/async.lua:144: in function </usr/lib/prosody/util/async.lua:142>',
    ];
    for (const l of lines) this.continuation(l, true);
  }

  private close(s: Session, u: User): boolean {
    this.kind = K.close;
    if (this.rng.chance(0.55)) {
      this.d(s.id, 'Received </stream:stream>');
      this.d(s.id, 'Sending[c2s]: </stream:stream>');
      this.d(s.id, `c2s stream for ${s.jid} closed: session closed`);
      this.unbind(s);
      this.d(s.id, "Received[c2s]: <presence type='unavailable'>");
      this.d(s.conn, 'Close after writing remaining buffered data');
      this.d(s.conn, 'Closing now');
      this.i(s.id, 'Client disconnected: connection closed');
    } else {
      this.d(s.conn, 'Connection closed by remote');
      this.d(s.conn, 'Closing now');
      this.i(s.id, 'Client disconnected: connection closed');
      this.unbind(s);
      this.d(s.id, "Received[c2s]: <presence type='unavailable'>");
    }
    void u;
    this.free(s);
    return false;
  }

  private unbind(s: Session): void {
    const u = this.users[s.user]!;
    this.d(s.id, `Unbinding resource for ${s.jid} (${u.bare})`);
    if (this.resourcesOnline[s.user]! > 0) this.resourcesOnline[s.user]!--;
    if (this.resourcesOnline[s.user] === 0) this.d('sessionmanager', `All resources of ${u.name} are now offline`);
  }

  private free(s: Session): void {
    this.liveIds.delete(s.id);
    if (this.freedAddrs.length < 4096) this.freedAddrs.push(s.id.slice(3));
    this.freeFds.push(s.fd);
  }

  // ground truth --------------------------------------------------------------------------------

  private bound(s: Session): void {
    const u = this.users[s.user]!;
    this.debugLogins++;
    this.everBound[s.user] = 1;
    const key = `${this.monthKey}\u0000${u.bare}`;
    if (this.debugSeen.has(key)) return;
    this.debugSeen.add(key);
    const months = (this.clients[u.host] ??= {});
    const tally = (months[this.monthKey] ??= {});
    const k = `client-${categoryOf(s.resource)}`;
    tally[k] = (tally[k] ?? 0) + 1;
  }

  private authenticated(s: Session): void {
    const u = this.users[s.user]!;
    this.infoLogins++;
    this.infoSeen.add(`${this.monthKey}\u0000${u.bare}`);
  }

  // noise ------------------------------------------------------------------------------------------

  private s2sSession(out: boolean, local: string, remote: string): string {
    const rng = this.rng;
    const list = out ? this.s2sOut : this.s2sIn;
    if (list.length < 24 || rng.chance(0.02)) {
      const id = this.newHeapId(out ? 's2sout' : 's2sin');
      if (list.length >= 24) list[rng.int(list.length)] = id;
      else list.push(id);
      if (out) {
        this.d('s2s', 'opening a new outgoing connection for this stanza');
        this.d('s2s', 'stanza [message] queued until connection complete');
        this.i(id, `Outgoing s2s connection ${local}->${remote} complete`);
        this.d(id, `sending 1 queued stanzas across new outgoing connection to ${remote}`);
      } else {
        const conn = `conn${rstr(rng, ID64, 12)}`;
        const range = rng.pick(this.v4[this.countryIndex.sample(rng)]!);
        const ip = v4ToString((range.base + rng.int(range.size)) >>> 0);
        const peer = `FD ${this.fd()} (${ip}, ${1024 + rng.int(64511)}, ${SERVER_V4}, 5269)`;
        this.d(conn, `New connection ${peer} on server FD 11 (0.0.0.0, 5269)`);
        this.d(conn, `Connected (${peer})`);
        this.d(id, 'Incoming s2s connection');
        this.d(id, `Incoming s2s received <stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' to='${local}' from='${remote}' version='1.0'>`);
        this.i(id, `Stream encrypted (${rng.pick(TLS13)})`);
        this.d(id, "Received[s2sin_unauthed]: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>");
        this.i(id, `Incoming s2s connection ${remote}->${local} complete`);
      }
      return id;
    }
    return rng.pick(list);
  }

  private noise(): void {
    const rng = this.rng;
    const x = rng.next();
    const host = HOSTS[this.hostIndex.sample(rng)]!;
    const remote = rng.pick(REMOTE_DOMAINS);
    if (x < 0.45) {
      this.kind = K.s2s;
      const id = this.s2sSession(false, host, remote);
      const to = this.users[this.userIndex.sample(rng)]!;
      const from = `${rng.pick(FIRST)}@${remote}`;
      const what = rng.next();
      if (what < 0.5) this.d(id, `Received[s2sin]: <presence from='${from}/${rstr(rng, ALNUM, 8)}' to='${xmlEscape(to.bare)}'>`);
      else if (what < 0.85) this.d(id, `Received[s2sin]: <message type='chat' from='${from}/${rstr(rng, ALNUM, 8)}' to='${xmlEscape(to.bare)}' id='${rstr(rng, ALNUM, 10)}'>`);
      else this.d(id, `Received[s2sin]: <iq type='get' from='${remote}' to='${host}' id='${rstr(rng, ALNUM, 10)}'>`);
    } else if (x < 0.65) {
      this.kind = K.s2s;
      const id = this.s2sSession(true, host, remote);
      this.d(id, `Sending[s2sout]: <presence from='${xmlEscape(this.users[this.userIndex.sample(rng)]!.bare)}' to='${rng.pick(FIRST)}@${remote}' type='probe'>`);
    } else if (x < 0.75) {
      this.kind = K.storage;
      const u = this.users[this.userIndex.sample(rng)]!;
      const y = rng.next();
      if (y < 0.5) this.d('datamanager', `Removing empty offline datastore for user ${u.bare}`);
      else if (y < 0.8) this.d(`${u.host}:mam`, `Archive query id ${rstr(rng, ALNUM, 8)} with <none> from <none> until <none>)`); // approximation
      else this.d(`${u.host}:offline`, `Storing offline message for ${u.bare}`); // approximation
    } else if (x < 0.85) {
      // HTTP (file upload, BOSH): a connection on another listener, never followed by `Client connected`
      this.kind = K.http;
      const conn = `conn${rstr(rng, ID64, 12)}`;
      const u = this.users[this.userIndex.sample(rng)]!;
      const ip = u.v6 ? v6ToString([...u.home6, rng.int(65536), rng.int(65536), rng.int(65536), 1 + rng.int(65535)]) : v4ToString((u.home4 + 1 + rng.int(254)) >>> 0);
      const fd = this.fd();
      const peer = `FD ${fd} (${ip}, ${1024 + rng.int(64511)}, ${u.v6 ? SERVER_V6 : SERVER_V4}, 5281)`;
      this.d(conn, `New connection ${peer} on server FD 12 (0.0.0.0, 5281)`);
      this.d(conn, `Connected (${peer})`);
      this.d(conn, 'Starting TLS now');
      this.d(conn, `TLS handshake complete (${rng.pick(TLS13)})`);
      this.d('http.server', `Handling PUT /upload/${rstr(rng, ID64, 22)}/${rstr(rng, ALNUM, 8)}.jpg`); // approximation
      this.d(conn, 'Close after writing remaining buffered data');
      this.d(conn, 'Closing now');
      this.freeFds.push(fd);
    } else if (x < 0.93) {
      this.kind = K.s2s;
      const out = rng.chance(0.5);
      const id = this.s2sSession(out, host, remote);
      this.d(id, out ? `Sending[s2sout]: <iq type='result' id='${rstr(rng, ALNUM, 10)}' to='${remote}' from='${host}'>` : "Received[s2sin]: <r xmlns='urn:xmpp:sm:3'>");
    } else if (x < 0.985) {
      this.kind = K.cert;
      this.d(this.s2sSession(false, host, remote), `certificate chain validation result: valid`); // approximation
    } else if (x < 0.9997) {
      this.kind = K.s2s;
      const id = this.s2sSession(true, host, remote);
      this.line(id, 'warn', `Disconnecting ${remote}, <stream:error> is: <stream:error><connection-timeout xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`);
      this.i(id, `s2s disconnected: ${host}->${remote} (connection-timeout)`); // approximation
    } else {
      this.kind = K.traceback;
      this.line('general', 'error', 'Error in timer callback: /usr/lib/prosody/modules/mod_s2s.lua:211: attempt to index a nil value (field \'?\')');
      this.traceback('mod_s2s.lua:211', 'check_keepalives');
    }
  }
}

// ---------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): { o: GenerateOptions; force: boolean } {
  let o: GenerateOptions = { ...DEFAULT_OPTIONS };
  let force = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const v = () => {
      const x = argv[++k];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--size-mb') o = { ...o, sizeMb: Number(v()) };
    else if (a === '--users') o = { ...o, users: Number(v()) };
    else if (a === '--seed') o = { ...o, seed: Number(v()) };
    else if (a === '--concurrency') o = { ...o, concurrency: Number(v()) };
    else if (a === '--start-month') o = { ...o, startMonth: v() };
    else if (a === '--months') o = { ...o, months: Number(v()) };
    else if (a === '--out-dir') o = { ...o, outDir: v() };
    else if (a === '--level') {
      const l = v();
      if (l !== 'debug' && l !== 'info' && l !== 'both') throw new Error('--level is debug, info or both');
      o = { ...o, writeDebug: l !== 'info', writeInfo: l !== 'debug' };
    } else if (a === '--force') force = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!(o.sizeMb > 0) || !(o.users > 0) || !(o.concurrency > 0)) throw new Error('sizes must be positive numbers');
  return { o, force };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const { o, force } = parseArgs(process.argv.slice(2));
  const opts = { ...o, outDir: resolve(o.outDir === DEFAULT_OPTIONS.outDir ? join(root, o.outDir) : o.outDir) };
  const r = ensureProsodyLogs(opts, force, (s) => process.stderr.write(`${s}\n`));
  const mb = (r.debugBytes || 0) / 1048576;
  process.stdout.write(
    `${JSON.stringify(
      {
        debug: opts.writeDebug ? r.debugPath : null,
        info: opts.writeInfo ? r.infoPath : null,
        reused: r.reused,
        debugMB: +mb.toFixed(1),
        infoMB: +(r.infoBytes / 1048576).toFixed(1),
        debugLines: r.debugLines,
        infoLines: r.infoLines,
        connections: r.connections,
        expected: { ...r.expected, clients: undefined },
        mix: r.mix,
        levels: r.levels,
        seconds: +r.seconds.toFixed(2),
        MBps: r.reused ? null : +(r.debugLines > 0 ? (opts.sizeMb / r.seconds).toFixed(1) : 0),
      },
      null,
      1,
    )}\n`,
  );
}
