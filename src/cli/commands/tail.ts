import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { clock, duration, nodeNameOf } from '../cluster-options.js';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { checkDataDir, checkHostDatabases, openGeoip, requireMmdb } from '../../pipeline/preflight.js';
import { openStatsStore } from '../../pipeline/stats-store.js';
import { runTail, type TailControl } from '../../pipeline/tail-run.js';
import { warnForkIsp } from '../fork-isp-options.js';
import { addJobsOption, addRunOptions, addStorageOptions, buildRunConfig, logsToRead, reporterFor, type RawOptions } from '../common-options.js';
import { requireStore, storageOf, type StorageRawOptions } from '../storage-options.js';
import { addHelpAfter } from '../help-format.js';
import { reportSummary, summaryJson } from '../summary.js';
import { reportCluster } from '../cluster-summary.js';

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
  nodeName?: string;
  nodeTimeout: string;
}

export function tailCommand(program: Command): void {
  const cmd = program
    .command('tail')
    .description('count what the logs gained since the last run (cron: --once), or follow them (service); survives rotation and crashes')
    .argument('[log...]', "live log files (their rotated pieces are found beside them; default: the config's log files)")
    .option('--data-dir <dir>', "Prosody's data directory (data_path), e.g. /var/lib/prosody")
    .option('--state <file>', `checkpoint file; holds offsets, never user data (default: state in --config, else ${DEFAULT_STATE_FILE} in the data dir)`)
    .option('--once', 'read to the end of the logs, commit and exit (for cron)')
    .option('--from-end', 'first run only (no checkpoint yet): skip what the logs hold now and count only new lines')
    .addOption(new Option('--commit-interval <seconds>', 'commit a batch at least this often while there is progress').default('10'))
    .addOption(new Option('--commit-lines <n>', 'commit a batch after this many log lines').default('100000'))
    .addOption(new Option('--poll-interval <seconds>', 'following: look at the logs this often even without a change event').default('1'))
    .option('--node-name <name>', 'this node\'s name in a cluster counting into one SQL store (default: node_name in --config, else the host name)')
    .addOption(new Option('--node-timeout <duration>', 'a node whose watermark has not moved for this long (90m, 2h, 1d) stops holding the month barrier').default('2h'))
    .option('--wait', 'wait for another run holding the data dir to finish instead of failing')
    .option('--dry-run', 'read and count, write nothing (neither statistics nor checkpoint)');
  addJobsOption(addStorageOptions(addRunOptions(cmd)));
  addHelpAfter(
    cmd,
    `
Signals: SIGTERM/SIGINT finish the current batch, commit and exit 0; SIGHUP re-reads the GeoIP
database and looks at the logs again (after logrotate, or a weekly GeoIP update).

Examples:
  # cron, every 5 minutes (quiet unless something is wrong), one line:
  */5 * * * * prosody monthly-visitors tail --once -q
      --data-dir /var/lib/prosody --mmdb /usr/share/GeoIP/GeoLite2-City.mmdb
      /var/log/prosody/prosody.log
  # a service that follows the log
  $ monthly-visitors tail --data-dir /var/lib/prosody --mmdb city.mmdb \\
      --client-pattern '^Gajim=DESKTOP' /var/log/prosody/prosody.log
  # start counting from now on, not from what the log already holds
  $ monthly-visitors tail --once --from-end --data-dir /var/lib/prosody \\
      --mmdb city.mmdb /var/log/prosody/prosody.log`,
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
  if (stateDir === null) {
    requireStore(config, 'to write'); // the same message as backfill and check when nothing names a store
    throw new UsageError('--data-dir or --state is required with SQL storage: where the checkpoint is kept');
  }
  const mmdbPath = requireMmdb(config.mmdbPath);
  const statePath = path.resolve(raw.state ?? config.statePath ?? path.join(stateDir, DEFAULT_STATE_FILE));
  const options = {
    once: Boolean(raw.once),
    fromEnd: Boolean(raw.fromEnd),
    statePath,
    commitIntervalMs: seconds(raw.commitInterval, '--commit-interval', 0),
    commitLines: count(raw.commitLines, '--commit-lines'),
    pollMs: seconds(raw.pollInterval, '--poll-interval', 0.01),
    cluster: {
      nodeName: nodeNameOf(raw.nodeName ?? config.nodeName ?? os.hostname()),
      instance: createHash('sha256').update(`${os.hostname()}\0${statePath}`).digest('hex').slice(0, 16),
      nodeTimeoutMs: duration(raw.nodeTimeout, '--node-timeout'),
      monthZone: config.monthZone ?? config.zone,
      now: clock(),
    },
  };
  // Everything that can be checked is checked before the first write (SPEC §10).
  if (stateDir !== '') checkDataDir(stateDir, 'create', reporter.warning, config.dryRun);
  const geoip = openGeoip(mmdbPath, reporter.warning);
  checkHostDatabases(config, reporter.warning);
  /** The database in use: a SIGHUP replaces it, or keeps it when the new file is broken. */
  let current = geoip;
  const store = openStatsStore(stateDir, { dryRun: config.dryRun, wait: Boolean(raw.wait), onWait: reporter.waiting, sql });
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
  if (!options.once) reporter.onTerminal(`following ${logs.length} log${logs.length === 1 ? '' : 's'}; Ctrl-C stops after the current batch`);
  // A run that catches up (--once) shows its progress on a terminal; a follower runs as a service.
  const progress = options.once ? reporter.progressLine({ json: raw.json }) : undefined;
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
            const fresh = openGeoip(mmdbPath, reporter.warning);
            reporter.info(`re-read ${mmdbPath}`);
            current.close();
            current = fresh;
          } catch (err) {
            reporter.warn(`${err instanceof Error ? err.message : String(err)}; still using the database read before`);
          }
          return current;
        },
        progress,
      },
      options,
      control,
    );
    progress?.end();
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
        webLogins: i.webLogins,
        proxyOnlyLogins: i.proxyOnlyLogins,
        bytesRead: i.bytes,
        replayed: i.replayed,
      })),
      outcomes: result.outcomes,
      store: result.store,
    };
    if (result.cluster !== undefined) reportCluster(result.cluster, reporter);
    if (raw.json) process.stdout.write(`${JSON.stringify({ ...summaryJson(summary), commits: result.commits, ...(result.cluster && { cluster: result.cluster }) })}\n`);
    reportSummary(summary, reporter);
  } finally {
    progress?.end();
    // The handlers stay until the process exits: a SIGTERM that arrives after the last commit
    // still ends the process cleanly (exit 0), not by the default action.
    store.close();
  }
}
