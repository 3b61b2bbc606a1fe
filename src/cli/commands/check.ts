import type { Command } from 'commander';
import { checkLayout } from '../check-layout.js';
import { GeoIpDatabase } from '../../geoip/geoip-database.js';
import { LoginSource } from '../../pipeline/login-source.js';
import { checkStore } from '../../pipeline/check-store.js';
import { addRunOptions, addStorageOptions, buildRunConfig, reporterFor, type RawOptions } from '../common-options.js';
import { storageOf, type StorageRawOptions } from '../storage-options.js';
import { describeConfig } from '../../config/describe-config.js';
import { safeJson } from '../safe-json.js';

const GEOIP_MAX_AGE_DAYS = 60;

export function checkCommand(program: Command): void {
  const cmd = program
    .command('check')
    .description('validate options, client patterns, the GeoIP database, the data dir and logs; writes nothing')
    .argument('[log...]', 'logs to read through: says which format they are and what statistics they can give')
    .option('--data-dir <dir>', "Prosody's data directory (data_path): every .dat file is read and checked");
  addStorageOptions(addRunOptions(cmd));
  cmd.addHelpText(
    'after',
    `
Exits 0 when everything can be used, 2 for bad options or configuration, 1 for an unusable data dir
or SQL store (a corrupt row is named by its host and key, never by user).

Examples:
  $ monthly-visitors check --data-dir /var/lib/prosody --mmdb GeoLite2-City.mmdb --client-pattern '^Gajim=DESKTOP'
  $ monthly-visitors check --verbose /var/log/prosody/prosody.log
  $ monthly-visitors check --prosody-config /etc/prosody/prosody.cfg.lua   # options per host, and where each came from
  $ monthly-visitors check --storage sql --sql-driver sqlite3 --sql-database /var/lib/prosody/prosody.sqlite   # every row read`,
  );
  cmd.action(async (logs: string[], raw: RawOptions & StorageRawOptions) => {
    const reporter = reporterFor(raw);
    const config = buildRunConfig(raw);
    const result: Record<string, unknown> = {
      clientPatterns: config.clientPatterns.map((p) => ({ pattern: p.pattern.source, category: p.category })),
      recordCountry: config.recordCountry.toString(),
      timezone: config.zone.name,
    };
    // The effective options per host, each with where it came from (SPEC §9).
    const described = describeConfig(config);
    result.config = described.json;
    for (const line of described.lines) reporter.info(line);
    for (const warning of described.warnings) reporter.warn(warning);
    reporter.info(`log time zone: ${config.zone.name}`);

    const mmdbPaths = new Set([config.mmdbPath, ...[...(config.hostOptions?.values() ?? [])].map((h) => h.mmdbPath)]);
    mmdbPaths.delete(null);
    const geoip: unknown[] = [];
    for (const path of mmdbPaths as Set<string>) {
      const db = GeoIpDatabase.open(path);
      const ageDays = Math.floor((Date.now() - db.buildTime.getTime()) / 86_400_000);
      geoip.push({ path: db.path, type: db.databaseType, built: db.buildTime.toISOString(), ageDays });
      reporter.info(`GeoIP database: ${db.path}: ${db.databaseType}, built ${db.buildTime.toISOString().slice(0, 10)}`);
      if (ageDays > GEOIP_MAX_AGE_DAYS) reporter.warn(`${db.path} is ${ageDays} days old; MaxMind updates it weekly`);
    }
    if (geoip.length > 0) result.geoip = geoip.length === 1 ? geoip[0] : geoip;
    else if (!config.recordCountry.isAll) reporter.warn('--record-country needs --mmdb: without a GeoIP database no login has a country');

    const location = storageOf(config);
    checkLayout(config, location, reporter, result);
    if (location.kind === 'sql') {
      const store = checkStore(location);
      result.sql = store;
      reporter.info(`SQL store: ${store.path}: ${store.exists ? `${store.hosts.length} hosts, ${store.userRecords} user records` : 'no such database yet (a run creates it)'}`);
    } else if (location.dataDir !== null) {
      const store = checkStore(location as { kind: 'internal'; dataDir: string });
      result.dataDir = store;
      reporter.info(
        `data dir: ${location.dataDir}: ${store.hosts.length} hosts, ${store.userRecords} user records, ${store.writable ? 'writable' : 'NOT writable'}`,
      );
    }

    if (logs.length > 0) {
      const source = await LoginSource.open(logs, config, reporter);
      for await (const _ of source.loginBatches()); // read through: formats, capabilities, unparsable lines
      result.inputs = source.reports();
      for (const input of source.reports()) {
        reporter.info(
          `${input.label}: ${input.format ?? 'empty'}, ${input.lines} lines, ${input.logins} logins, ` +
            `IPs: ${input.loginsWithIp > 0 ? 'yes' : 'no'}, resources: ${input.loginsWithResource > 0 ? 'yes' : 'no'}, ` +
            `${input.unparsable} unparsable`,
        );
        if (input.logins > 0 && input.loginsWithResource === 0) {
          reporter.info('  → no client statistics: Prosody logs resources only at debug level');
        }
        if (input.logins > 0 && input.loginsWithIp === 0) {
          reporter.info('  → no places: enable mod_log_auth (log_auth_ips = "all") or log at debug level');
        }
      }
    }
    if (raw.json) process.stdout.write(`${safeJson(result)}\n`);
    reporter.info('ok: nothing was written');
  });
}
