import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { GeoIpDatabase } from '../../geoip/geoip-database.js';
import { openStatsStore } from '../../pipeline/stats-store.js';
import { runTail, type TailControl } from '../../pipeline/tail-run.js';
import { warnForkIsp } from '../fork-isp-options.js';
import { addRunOptions, addStorageOptions, buildRunConfig, logsToRead, reporterFor, type RawOptions } from '../common-options.js';
import { storageOf, type StorageRawOptions } from '../storage-options.js';
import { reportSummary, summaryJson } from '../summary.js';

/** The state file's default name, beside the statistics in the data dir. */
export const DEFAULT_STATE_FILE = 'monthly-visitors.tail-state.json';

interface TailRawOptions extends RawOptions, StorageRawOptions {
  state?: string;
  once?: boolean;
  fromEnd?: boolean;
  commitInterval: string;
  commitLines: string;
  pollInterval: string;
  wait?: boolean;
}

export function tailCommand(program: Command): void {
  const cmd = program
    .command('tail')
    .description('count what the logs gained since the last run (cron: --once), or follow them (service); survives rotation and crashes')
    .argument('[log...]', "live log files (their rotated pieces are found beside them; default: the config's log files)")
    .option('--data-dir <dir>', "Prosody's data directory (data_path), e.g. /var/lib/prosody")
    .option('--state <file>', `checkpoint file (default: state in --config, else <data-dir>/${DEFAULT_STATE_FILE}); holds offsets, never user data`)
    .option('--once', 'read to the end of the logs, commit and exit (for cron)')
    .option('--from-end', 'first run only (no checkpoint yet): skip what the logs hold now and count only new lines')
    .addOption(new Option('--commit-interval <seconds>', 'commit a batch at least this often while there is progress').default('10'))
    .addOption(new Option('--commit-lines <n>', 'commit a batch after this many log lines').default('100000'))
    .addOption(new Option('--poll-interval <seconds>', 'following: look at the logs this often even without a change event').default('1'))
    .option('--wait', 'wait for another run holding the data dir to finish instead of failing')
    .option('--dry-run', 'read and count, write nothing (neither statistics nor checkpoint)');
  addStorageOptions(addRunOptions(cmd));
  cmd.addHelpText(
    'after',
    `
Signals: SIGTERM/SIGINT finish the current batch, commit and exit 0; SIGHUP re-reads the GeoIP
database and looks at the logs again (after logrotate, or a weekly GeoIP update).

Examples:
  # cron, every 5 minutes (quiet unless something is wrong)
  */5 * * * * prosody monthly-visitors tail --once -q --data-dir /var/lib/prosody --mmdb /usr/share/GeoIP/GeoLite2-City.mmdb /var/log/prosody/prosody.log
  # a service that follows the log
  $ monthly-visitors tail --data-dir /var/lib/prosody --mmdb city.mmdb --client-pattern '^Gajim=DESKTOP' /var/log/prosody/prosody.log
  # start counting from now on, not from what the log already holds
  $ monthly-visitors tail --once --from-end --data-dir /var/lib/prosody --mmdb city.mmdb /var/log/prosody/prosody.log`,
  );
  cmd.action(async (logs: string[], raw: TailRawOptions) => {
    await runTailCommand(logs, raw);
  });
}

function seconds(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a number of seconds ≥ ${min}`);
  return n * 1000;
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a whole number ≥ 1`);
  return n;
}

async function runTailCommand(logs: string[], raw: TailRawOptions): Promise<void> {
  const reporter = reporterFor(raw);
  const config = buildRunConfig(raw);
  warnForkIsp(config, reporter);
  logs = [...logsToRead(logs, config)];
  if (logs.includes('-')) throw new UsageError('tail reads files it can come back to; for standard input use backfill');
  const location = storageOf(config);
  const sql = location.kind === 'sql' ? location.sql : undefined;
  // With SQL storage the data dir only holds the checkpoint, which --state can name instead.
  const stateDir = config.dataDir ?? (sql !== undefined && (raw.state ?? config.statePath) != null ? '' : null);
  if (stateDir === null) throw new UsageError('--data-dir is required: the Prosody data directory to write, e.g. /var/lib/prosody');
  if (config.mmdbPath === null) throw new UsageError('--mmdb is required: a GeoIP2/GeoLite2 City database (.mmdb)');
  const options = {
    once: Boolean(raw.once),
    fromEnd: Boolean(raw.fromEnd),
    statePath: path.resolve(raw.state ?? config.statePath ?? path.join(stateDir, DEFAULT_STATE_FILE)),
    commitIntervalMs: seconds(raw.commitInterval, '--commit-interval', 0),
    commitLines: count(raw.commitLines, '--commit-lines'),
    pollMs: seconds(raw.pollInterval, '--poll-interval', 0.01),
  };
  const mmdbPath = config.mmdbPath;
  // Everything that can be checked is checked before the first write (SPEC §10).
  const geoip = GeoIpDatabase.open(mmdbPath);
  /** The database in use: a SIGHUP replaces it, or keeps it when the new file is broken. */
  let current = geoip;
  const store = openStatsStore(stateDir, { dryRun: config.dryRun, wait: Boolean(raw.wait), sql });
  const control: TailControl = { stopping: false, reload: false, wake: () => {} };
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal does not wait: the store is crash-safe, the next run repairs it.
    if (++signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    control.stopping = true;
    control.wake();
  };
  const reload = () => {
    control.reload = true;
    control.wake();
  };
  process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGHUP', reload);
  reporter.verbose(`${options.once ? 'reading' : 'following'} ${logs.length} log(s); checkpoint ${options.statePath}`);
  try {
    const result = await runTail(
      logs,
      {
        config,
        store,
        notices: reporter,
        geoip,
        reloadGeoip: () => {
          try {
            const fresh = GeoIpDatabase.open(mmdbPath);
            reporter.info(`re-read ${mmdbPath}`);
            current.close();
            current = fresh;
          } catch (err) {
            reporter.warn(`${err instanceof Error ? err.message : String(err)}; still using the database read before`);
          }
          return current;
        },
      },
      options,
      control,
    );
    const summary = {
      command: 'tail',
      dryRun: config.dryRun,
      inputs: result.inputs.map((i) => ({
        label: i.label,
        format: i.format,
        lines: i.lines,
        unparsable: i.unparsable,
        logins: i.logins,
        loginsWithIp: i.loginsWithIp,
        loginsWithResource: i.loginsWithResource,
        bytesRead: i.bytes,
        replayed: i.replayed,
      })),
      outcomes: result.outcomes,
      store: result.store,
    };
    if (raw.json) process.stdout.write(`${JSON.stringify({ ...summaryJson(summary), commits: result.commits })}\n`);
    reportSummary(summary, reporter);
  } finally {
    // The handlers stay until the process exits: a SIGTERM that arrives after the last commit
    // still ends the process cleanly (exit 0), not by the default action.
    store.close();
  }
}
