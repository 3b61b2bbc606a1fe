import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { GeoIpDatabase } from '../../geoip/geoip-database.js';
import { LoginSource } from '../../pipeline/login-source.js';
import { countLogins } from '../../pipeline/count-logins.js';
import { openStatsStore } from '../../pipeline/stats-store.js';
import { addCountingOptions, addLogOptions, addOutputOptions, buildRunConfig, reporterFor, type RawOptions } from '../common-options.js';
import { reportSummary, summaryJson } from '../summary.js';
import { safeJson } from '../safe-json.js';

export function backfillCommand(program: Command): void {
  const cmd = program
    .command('backfill')
    .description("replay logs in time order into the module's storage (mod_monthly_visitors' .dat files)")
    .argument('<log...>', 'log files, or - for standard input; several are merged in time order')
    .option('--data-dir <dir>', "Prosody's data directory (data_path), e.g. /var/lib/prosody")
    .option('--dry-run', 'count and report, write nothing');
  addCountingOptions(cmd);
  addLogOptions(cmd);
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  $ monthly-visitors backfill --data-dir /var/lib/prosody --mmdb /usr/share/GeoIP/GeoLite2-City.mmdb \\
      --client-pattern '^Conversations%..*=ANDROID' --client-pattern '^Gajim=DESKTOP' /var/log/prosody/prosody.log
  $ zcat old.log.gz | monthly-visitors backfill --data-dir ./data --mmdb city.mmdb --year 2024 -
  $ monthly-visitors backfill --dry-run --json --data-dir ./data --mmdb city.mmdb prosody.log`,
  );
  cmd.action(async (logs: string[], raw: RawOptions) => {
    await runBackfill(logs, raw);
  });
}

async function runBackfill(logs: string[], raw: RawOptions): Promise<void> {
  const reporter = reporterFor(raw);
  const config = buildRunConfig(raw);
  if (config.dataDir === null) throw new UsageError('--data-dir is required: the Prosody data directory to write, e.g. /var/lib/prosody');
  if (config.mmdbPath === null) throw new UsageError('--mmdb is required: a GeoIP2/GeoLite2 City database (.mmdb)');
  // Everything that can be checked is checked before the first write (SPEC §10).
  const geoip = GeoIpDatabase.open(config.mmdbPath);
  const source = await LoginSource.open(logs, config, reporter);
  const store = openStatsStore(config.dataDir, { dryRun: config.dryRun });
  try {
    const { outcomes, changes } = await countLogins(source, store.view, config, geoip);
    const written = store.commit(changes);
    const summary = { command: 'backfill', dryRun: config.dryRun, inputs: source.reports(), outcomes, store: written };
    if (raw.json) process.stdout.write(`${safeJson(summaryJson(summary))}\n`);
    reportSummary(summary, reporter);
  } finally {
    store.close();
  }
}
