import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { checkDataDir, checkHostDatabases, openGeoip, requireMmdb } from '../../pipeline/preflight.js';
import { LoginSource } from '../../pipeline/login-source.js';
import { countLogins } from '../../pipeline/count-logins.js';
import { openStatsStore } from '../../pipeline/stats-store.js';
import { backfillIntoStore } from '../../pipeline/backfill-into-store.js';
import { RunCoverage } from '../../core/log-coverage.js';
import { addJobsOption, addRunOptions, addStorageOptions, buildRunConfig, logsToRead, reporterFor, type RawOptions } from '../common-options.js';
import { requireStore, type StorageRawOptions } from '../storage-options.js';
import { reportSummary, summaryJson } from '../summary.js';
import { safeJson } from '../safe-json.js';
import { addHelpAfter } from '../help-format.js';
import { warnForkIsp } from '../fork-isp-options.js';
import { backfillJson, backfillTable, reportBackfillNotes } from '../backfill-report.js';
import { Interruption } from '../interruption.js';

interface BackfillOptions extends RawOptions, StorageRawOptions {
  replace?: boolean;
  maxGap: string;
  wait?: boolean;
}

export function backfillCommand(program: Command): void {
  const cmd = program
    .command('backfill')
    .description("compute months from logs into the module's storage (.dat files); stored months are kept unless --replace")
    .argument('[log...]', 'log files, or - for standard input; several are merged in time order (default: the config\'s log files)')
    .option('--data-dir <dir>', "Prosody's data directory (data_path), e.g. /var/lib/prosody")
    .option('--dry-run', 'print per host and month what would be added, replaced or left alone; write nothing')
    .option('--replace', 'recompute months the store already has from these logs (default: leave them alone)')
    .option('--max-gap <hours>', 'report a month as partial when its logs pause longer than this', '24')
    .option('--wait', 'wait for another run that holds the data dir lock, instead of failing');
  addJobsOption(addStorageOptions(addRunOptions(cmd)));
  addHelpAfter(
    cmd,
    `
Examples:
  $ monthly-visitors backfill --data-dir /var/lib/prosody \\
      --mmdb /usr/share/GeoIP/GeoLite2-City.mmdb \\
      --client-pattern '^Conversations%..*=ANDROID' \\
      --client-pattern '^Gajim=DESKTOP' /var/log/prosody/prosody.log
  $ zcat old.log.gz | monthly-visitors backfill --data-dir ./data \\
      --mmdb city.mmdb --year 2024 -
  $ monthly-visitors backfill --dry-run --json --data-dir ./data \\
      --mmdb city.mmdb prosody.log
  # data dir, logs and options from Prosody's config:
  $ monthly-visitors backfill --prosody-config /etc/prosody/prosody.cfg.lua

A month the store does not have is added; a month it has is left alone and reported, unless
--replace. A user's last-recorded month becomes the latest added or replaced month the user was
counted in, unless the stored one is later. Running the same backfill twice changes nothing.
A month is reported as partial when its first log line is on the 2nd or later, its last line
before its last day, or two consecutive lines (of all logs together) are more than --max-gap
hours apart.

Signals: SIGINT/SIGTERM while the logs are read stop the run with "interrupted: nothing was
written" (exit 1); once the commit has begun, it is finished and the run exits 0.`,
  );
  cmd.action(async (logs: string[], raw: BackfillOptions) => {
    await runBackfill(logs, raw);
  });
}

async function runBackfill(logs: string[], raw: BackfillOptions): Promise<void> {
  const reporter = reporterFor(raw);
  const config = buildRunConfig(raw);
  const location = requireStore(config, 'to write');
  const sql = location.kind === 'sql' ? location.sql : undefined;
  const mmdbPath = requireMmdb(config.mmdbPath);
  warnForkIsp(config, reporter);
  const maxGapHours = parseMaxGap(raw.maxGap);
  const replace = Boolean(raw.replace);
  const coverage = new RunCoverage(maxGapHours * 3_600_000);
  // Everything that can be checked is checked before the first write (SPEC §10).
  const geoip = openGeoip(mmdbPath, reporter.warning);
  checkHostDatabases(config, reporter.warning);
  if (location.kind === 'internal') checkDataDir(location.dataDir, 'create', reporter.warning, config.dryRun);
  const progress = reporter.progressLine({ json: raw.json });
  const source = await LoginSource.open(logsToRead(logs, config), config, reporter, coverage, progress);
  // Opened (and locked) before the first read, closed after the commit: one read-modify-write.
  const store = openStatsStore(location.kind === 'internal' ? location.dataDir : '', { dryRun: config.dryRun, wait: Boolean(raw.wait), onWait: reporter.waiting, sql });
  const interruption = new Interruption();
  try {
    const result = await backfillIntoStore(
      store,
      async (view, observe) => {
        const counted = await countLogins(source, view, config, geoip, observe, () => interruption.check());
        interruption.commitBegins(); // no await between this and the commit: no signal comes between
        return counted;
      },
      coverage,
      { replace, monthZone: config.monthZone ?? config.zone },
    );
    progress?.end();
    const summary = { command: 'backfill', dryRun: config.dryRun, inputs: source.reports(), outcomes: result.outcomes, store: result.store };
    if (raw.json) process.stdout.write(`${safeJson({ ...summaryJson(summary), ...backfillJson(result, { replace, maxGapHours }) })}\n`);
    else if (!raw.quiet) process.stdout.write(backfillTable(result, config.dryRun));
    reportSummary(summary, reporter);
    reportBackfillNotes(result, reporter, { dryRun: config.dryRun, maxGapHours });
  } finally {
    progress?.end();
    store.close();
  }
}

function parseMaxGap(text: string): number {
  const hours = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(hours > 0)) throw new UsageError(`--max-gap ${JSON.stringify(text)}: give a number of hours greater than 0`);
  return hours;
}
