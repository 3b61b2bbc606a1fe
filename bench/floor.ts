/**
 * What a log's GeoIP lookups cost on their own: `node dist/bench/floor.js FORMAT FILE MMDB`.
 *
 * A backfill asks GeoIP once per user and month (for that month's first login), and each of those
 * addresses is mostly new to the run. This runs our parser over the log to collect exactly those
 * addresses, then, in the same fresh process, times the lookups alone: with our reader (read on
 * demand from a cold start, as the CLI does) and with `maxmind` (the reference reader, whole file
 * read up front). Together with Node's start-up this is a floor under any run over the log: no
 * amount of parsing or storage work can make the whole run faster than start-up + lookups.
 * Prints one JSON object.
 */
import { openSync, readFileSync, readSync } from 'node:fs';
import { Reader, type CityResponse } from 'maxmind';
import { formatByName } from '../src/sources/formats.js';
import { LineSplitter } from '../src/sources/line-splitter.js';
import { TimeZone } from '../src/time/zone.js';
import { GeoIpDatabase } from '../src/geoip/geoip-database.js';
import type { LoginEvent } from '../src/core/login-event.js';

const [formatName, file, mmdb] = process.argv.slice(2);
if (!formatName || !file || !mmdb) throw new Error('usage: floor FORMAT FILE MMDB');

// 1. Parse: the address of each user's first login per month, in log order (what the tally locates).
const t0 = performance.now();
const marks = new Map<string, Map<string, string>>(); // host → user → month, as the tally keeps them
const addresses: string[] = [];
let logins = 0;
const parser = formatByName(formatName).createParser(
  {
    label: file,
    emit: (e: LoginEvent) => {
      logins++;
      let users = marks.get(e.host);
      if (users === undefined) marks.set(e.host, (users = new Map()));
      if (users.get(e.user) === e.month) return;
      users.set(e.user, e.month);
      if (e.ip !== null) addresses.push(e.ip);
    },
    notice: () => {},
  },
  { zone: TimeZone.of('UTC'), monthZone: null, firstYear: 2026, referenceMs: Date.now() },
);
const splitter = new LineSplitter(parser);
const fd = openSync(file, 'r');
const chunk = Buffer.allocUnsafe(1 << 20); // reused, as src/sources/log-input.ts does
for (let n = readSync(fd, chunk, 0, chunk.length, null); n > 0; n = readSync(fd, chunk, 0, chunk.length, null)) {
  splitter.push(n === chunk.length ? chunk : chunk.subarray(0, n));
}
splitter.end();
const parseMs = performance.now() - t0;
marks.clear();

// 2. Our reader, cold: opened here, blocks read as the lookups reach them.
const t1 = performance.now();
const db = GeoIpDatabase.open(mmdb);
let located = 0;
for (const ip of addresses) if (db.locate(ip) !== null) located++;
const oursMs = performance.now() - t1;

// 3. The reference reader over the same addresses (its own cache, whole file read first).
const t2 = performance.now();
const reader = new Reader<CityResponse>(readFileSync(mmdb));
let locatedRef = 0;
for (const ip of addresses) {
  try {
    if (reader.get(ip.replace(/^\[|\]$/g, '')) !== null) locatedRef++;
  } catch {
    // not an address maxmind takes (our reader says unknown too)
  }
}
const maxmindMs = performance.now() - t2;

process.stdout.write(
  `${JSON.stringify({ format: formatName, logins, lookups: addresses.length, distinct: new Set(addresses).size, located, locatedRef, parseMs, oursMs, maxmindMs })}\n`,
);
