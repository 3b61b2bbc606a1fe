/**
 * Parser throughput alone (no GeoIP, no store): `node dist/bench/parse-only.js FORMAT FILE`.
 * For profiling the hot path in isolation; `npm run bench` measures the whole CLI.
 */
import { openSync, readSync } from 'node:fs';
import { formatByName } from '../src/sources/formats.js';
import { LineSplitter } from '../src/sources/line-splitter.js';
import { TimeZone } from '../src/time/zone.js';

const [formatName, file] = process.argv.slice(2);
if (!formatName || !file) throw new Error('usage: parse-only FORMAT FILE');
const t0 = performance.now();
let logins = 0;
const parser = formatByName(formatName).createParser(
  { label: file, emit: () => void logins++, notice: () => {} },
  { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026, referenceMs: Date.now() },
);
const splitter = new LineSplitter(parser);
const fd = openSync(file, 'r');
let bytes = 0;
const buf = Buffer.allocUnsafe(1 << 20); // reused, as src/sources/log-input.ts does
for (;;) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n <= 0) break;
  bytes += n;
  splitter.push(n === buf.length ? buf : buf.subarray(0, n));
}
splitter.end();
const ms = performance.now() - t0;
process.stdout.write(`${formatName}: ${parser.stats.lines} lines, ${logins} logins, ${(bytes / 1048576 / (ms / 1000)).toFixed(0)} MB/s (${ms.toFixed(0)} ms)\n`);
