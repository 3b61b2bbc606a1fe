/**
 * Peak memory of one CLI run when `/usr/bin/time` is not available.
 *
 * Node cannot read a child's rusage, so this wrapper runs the CLI *in its own process* (the same
 * `main()` that `bin/monthly-visitors` calls) and then reports `process.resourceUsage().maxRSS`
 * (KiB, the high-water mark of the whole process) as JSON into the file named by
 * `MV_BENCH_RSS_FILE`. The benchmark spawns it synchronously, one run at a time.
 *
 * Usage: MV_BENCH_RSS_FILE=/tmp/rss.json node dist/bench/rss-wrapper.js <repo root> <cli args…>
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Main = (argv: string[]) => Promise<number>;

const [root, ...args] = process.argv.slice(2);
if (root === undefined) {
  process.stderr.write('usage: rss-wrapper <repo root> <cli args…>\n');
  process.exit(2);
}
const out = process.env['MV_BENCH_RSS_FILE'];
const bin = join(resolve(root), 'bin', 'monthly-visitors');
const mod = (await import(pathToFileURL(join(resolve(root), 'dist', 'src', 'cli', 'main.js')).href)) as { main: Main };
let code = 1;
try {
  code = await mod.main([process.execPath, bin, ...args]);
} finally {
  if (out !== undefined) writeFileSync(out, `${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, exitCode: code })}\n`);
}
process.exitCode = code;
