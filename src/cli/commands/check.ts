import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { listNodes, withClusterNodes } from '../../pipeline/cluster-nodes.js';
import { clock, duration } from '../cluster-options.js';
import { nodesJson, nodesTable, warnStalled } from '../cluster-summary.js';
import { checkDataDir, checkWritable, geoipPaths, openGeoip, requireMmdb, warnIfOld, warnOfInterruptedCommit } from '../../pipeline/preflight.js';
import type { Warning, WarningSink } from '../../warnings.js';
import { checkLayout } from '../check-layout.js';
import { LoginSource } from '../../pipeline/login-source.js';
import { checkStore } from '../../pipeline/check-store.js';
import { addJobsOption, addRunOptions, addStorageOptions, buildRunConfig, reporterFor, type RawOptions } from '../common-options.js';
import { requireStore, storageOf, type StorageRawOptions } from '../storage-options.js';
import { proxyOnlyMessage } from '../summary.js';
import { readThrough } from '../../pipeline/read-through.js';
import { GeoIpDatabase } from '../../geoip/geoip-database.js';
import { describeConfig } from '../../config/describe-config.js';
import { safeJson } from '../safe-json.js';
import { addHelpAfter } from '../help-format.js';
import { warnOfInferredYears, warnOfUnparsable, yearText } from '../summary.js';
import { readStateFile } from '../../sources/tail/checkpoint.js';
import { vanishedLogs } from '../../sources/tail/log-presence.js';
import { DEFAULT_STATE_FILE } from './tail.js';
import type { Reporter } from '../reporter.js';

export function checkCommand(program: Command): void {
  const cmd = program
    .command('check')
    .description('validate options, client patterns, the GeoIP database, the data dir and logs; writes nothing')
    .argument('[log...]', 'logs to read through: says which format they are and what statistics they can give')
    .option('--data-dir <dir>', "Prosody's data directory (data_path): every .dat file is read and checked")
    .addOption(new Option('--node-timeout <duration>', 'SQL store of a cluster: a node whose watermark has not moved for this long is stalled (warned about)').default('2h'));
  addJobsOption(addStorageOptions(addRunOptions(cmd)));
  addHelpAfter(
    cmd,
    `
With logs (named, or the config's), check predicts a backfill or tail run with the same options:
it exits as that run would, for the same reason (2: options, configuration, logs, GeoIP database;
1: a data dir the run could not write or read), and prints every warning the run would print
(--json: "warnings": [{"code", "message"}], one stable code per kind). Without logs it checks what
it is given. A corrupt SQL row is named by its host and key, never by user.

Examples:
  $ monthly-visitors check --data-dir /var/lib/prosody \\
      --mmdb GeoLite2-City.mmdb --client-pattern '^Gajim=DESKTOP'
  $ monthly-visitors check --verbose --data-dir /var/lib/prosody \\
      --mmdb GeoLite2-City.mmdb /var/log/prosody/prosody.log
  # options per host, and where each came from:
  $ monthly-visitors check --prosody-config /etc/prosody/prosody.cfg.lua
  # every row read:
  $ monthly-visitors check --storage sql --sql-driver sqlite3 \\
      --sql-database /var/lib/prosody/prosody.sqlite`,
  );
  cmd.action(async (logs: string[], raw: RawOptions & StorageRawOptions & { nodeTimeout: string }) => {
    await runCheck(logs, raw);
  });
}

/**
 * Every check a run makes before reading or writing, by the same functions (pipeline/preflight),
 * then the logs read through. With logs (named, or named by the config) it predicts that run: what
 * the run needs is required; without, it checks what it is given.
 */
async function runCheck(logs: string[], raw: RawOptions & StorageRawOptions & { nodeTimeout: string }): Promise<void> {
  const reporter = reporterFor(raw);
  const warnings: Warning[] = [];
  const warn: WarningSink = (w) => {
    warnings.push(w);
    reporter.warning(w);
  };
  const config = buildRunConfig(raw);
  const runLogs = logs.length > 0 ? logs : [...(config.inputs ?? [])];
  const predictsRun = runLogs.length > 0;
  const result: Record<string, unknown> = {
    clientPatterns: config.clientPatterns.map((p) => ({ pattern: p.pattern.source, category: p.category })),
    recordCountry: config.recordCountry.toString(),
    timezone: config.zone.name,
  };
  // The effective options per host, each with where it came from (SPEC §9).
  const described = describeConfig(config);
  result.config = described.json;
  for (const line of described.lines) reporter.info(line);
  for (const warning of described.warnings) warn(warning);
  reporter.info(`log time zone: ${config.zone.name}`);

  if (predictsRun) {
    requireStore(config, 'to write');
    requireMmdb(config.mmdbPath);
  }
  const geoip: unknown[] = [];
  for (const path of geoipPaths(config)) {
    const db = openGeoip(path, warn);
    const ageDays = warnIfOld(db, warn);
    geoip.push({ path: db.path, type: db.databaseType, kind: db.kind, built: db.buildTime.toISOString(), ageDays });
    reporter.info(`GeoIP database: ${db.path}: ${db.databaseType}, built ${db.buildTime.toISOString().slice(0, 10)}`);
    db.close();
  }
  if (geoip.length > 0) result.geoip = geoip.length === 1 ? geoip[0] : geoip;
  else if (!config.recordCountry.isAll) warn({ code: 'record-country-without-geoip', message: '--record-country needs --mmdb: without a GeoIP database no login has a country' });

  const location = storageOf(config);
  checkLayout(config, location, reporter, result);
  if (location.kind === 'sql') {
    const store = checkStore(location);
    result.sql = store;
    reporter.info(`SQL store: ${store.path}: ${store.exists ? `${store.hosts.length} hosts, ${store.userRecords} user records` : 'no such database yet (a run creates it)'}`);
    if (store.exists) {
      const now = clock()();
      const nodes = withClusterNodes(location, false, (cluster) => listNodes(cluster.nodes(), now, duration(raw.nodeTimeout, '--node-timeout')));
      result.nodes = nodesJson(nodes);
      if (nodes.length > 0) for (const line of nodesTable(nodes, now).trimEnd().split('\n')) reporter.info(`  ${line}`);
      warnStalled(nodes, now, (message) => warn({ code: 'node-stalled', message }));
    }
  } else if (location.dataDir !== null) {
    const dir = location.dataDir;
    checkDataDir(dir, 'create', warn);
    checkWritable(dir); // a run could not commit: exit 1, as the run
    warnOfInterruptedCommit(dir, warn);
    const store = checkStore(location as { kind: 'internal'; dataDir: string });
    result.dataDir = store;
    reporter.info(`data dir: ${dir}: ${store.hosts.length} hosts, ${store.userRecords} user records, ${store.writable ? 'writable' : 'NOT writable'}`);
  }
  reportVanishedLogs(config.statePath ?? (location.kind === 'internal' && location.dataDir !== null ? join(location.dataDir, DEFAULT_STATE_FILE) : null), reporter, warn, result);

  if (predictsRun) {
    const progress = reporter.progressLine({ json: raw.json });
    const source = await LoginSource.open(runLogs, config, reporter, undefined, progress);
    let webUnplaced = 0;
    try {
      // Read through: formats, capabilities, unparsable lines, and web logins the database cannot place.
      const database = config.mmdbPath === null ? null : GeoIpDatabase.open(config.mmdbPath);
      ({ webUnplaced } = await readThrough(source, database));
      database?.close();
    } finally {
      progress?.end();
    }
    const inputs = source.reports();
    result.inputs = inputs;
    for (const input of inputs) {
      reporter.info(
        `${input.label}: ${input.format ?? 'empty'}, ${input.lines} lines, ${input.logins} logins, ` +
          `IPs: ${input.loginsWithIp > 0 ? 'yes' : 'no'}, resources: ${input.loginsWithResource > 0 ? 'yes' : 'no'}, ` +
          `${input.unparsable} unparsable${yearText(input)}`,
      );
      if (input.logins > 0 && input.loginsWithResource === 0) {
        reporter.info('  → no client statistics: Prosody logs resources only at debug level');
      }
      if (input.logins > 0 && input.loginsWithIp === 0) {
        reporter.info('  → no places: enable mod_log_auth (log_auth_ips = "all") or log at debug level');
      }
      if (input.webLogins > 0) {
        reporter.info(
          `  → web clients: ${input.webLogins} BOSH/WebSocket logins, ` +
            (input.proxyOnlyLogins > 0 ? `${input.proxyOnlyLogins} of them without a usable address: ${proxyOnlyMessage(input.proxyOnlyLogins)}` : 'their addresses are usable'),
        );
      }
    }
    if (config.mmdbPath !== null && inputs.some((i) => i.webLogins > 0)) {
      result.webLoginsUnplaced = webUnplaced;
      if (webUnplaced > 0) {
        warn({
          code: 'web-logins-unplaced',
          message:
            `${webUnplaced} web logins have an address ${config.mmdbPath} has no place for: if it is your reverse proxy's, ` +
            'list the proxy in trusted_proxies (Prosody then logs the X-Forwarded-For address) and load mod_log_auth with log_auth_ips = "all"',
        });
      }
    }
    warnOfInferredYears(inputs, warn);
    warnOfUnparsable(inputs, warn);
  }
  result.warnings = warnings;
  if (raw.json) process.stdout.write(`${safeJson(result)}\n`);
  reporter.info('ok: nothing was written');
}

/** Logs the tail checkpoint names that are gone now: a note, or a warning once missing for long. */
function reportVanishedLogs(statePath: string | null, reporter: Reporter, warn: WarningSink, result: Record<string, unknown>): void {
  if (statePath === null) return;
  const vanished = vanishedLogs(readStateFile(statePath));
  if (vanished.length === 0) return;
  result.vanishedLogs = vanished;
  for (const v of vanished) {
    if (v.warning) warn({ code: 'log-vanished', message: v.message });
    else reporter.notice(`missing:${v.log}`, v.message);
  }
}
