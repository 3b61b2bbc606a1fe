import { Option, type Command } from 'commander';
import type { RunConfig } from '../config/run-config.js';
import { parseYear } from '../config/parse-options.js';
import { parseJobs } from '../config/jobs.js';
import { loadCountingConfig, PROSODY_CONFIG_ENV } from '../config/load-settings.js';
import { formatByName, formatNamesText } from '../sources/formats.js';
import type { LogFormat } from '../sources/log-format.js';
import { regexFormat } from '../sources/custom/regex-format.js';
import { prosodyFileFormatWith } from '../sources/prosody/prosody-file-format.js';
import { UsageError } from '../errors.js';
import { TimeZone } from '../time/zone.js';
import { Reporter, type Verbosity } from './reporter.js';
import { addForkIspOptions, withForkIsp } from './fork-isp-options.js';

/** Options as commander hands them over (strings, before validation). */
export interface RawOptions {
  dataDir?: string;
  mmdb?: string;
  clientPattern: string[];
  recordCountry?: string;
  layout?: string;
  asnMmdb?: string;
  config?: string;
  prosodyConfig?: string;
  format: string;
  year?: string;
  timezone?: string;
  monthTimezone?: string;
  lineRegex?: string;
  timeFormat?: string;
  jobs?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Options that say how to read logs. */
export function addLogOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <name>', `log format: ${formatNamesText()}`).default('auto'))
    .option('--year <yyyy>', 'year of the first line, for logs without years (default: inferred from the file date)')
    .option('--timezone <zone>', "IANA time zone the log was written in (default: this machine's)")
    .option('--month-timezone <zone>', "count months in this zone instead of the server's wall clock")
    .option('--line-regex <regex>', 'custom layout: a JavaScript regex with named groups time, user, host (or jid), resource, ip, session')
    .option('--time-format <strftime>', "timestamp format: Prosody's `timestamps` option, or the time group of --line-regex");
}

/** `--jobs`, for the commands that read logs: backfill, events, check, and tail (its catching up). */
export function addJobsOption(cmd: Command): Command {
  return cmd.option('--jobs <n>', 'threads that read large logs (default: every core; 1 = no worker threads)');
}

/** Options that say how to count (the module's own options). */
export function addCountingOptions(cmd: Command): Command {
  const withModule = cmd
    .option('--mmdb <file>', 'GeoIP2/GeoLite2 City database (.mmdb; a Country one gives countries only) — mod_monthly_visitors_mmdb_path')
    .option(
      '--client-pattern <luapattern=CATEGORY>',
      'client pattern, repeatable, tried in the order given; split at the last = — mod_monthly_visitors_client_patterns',
      collect,
      [],
    )
    .option('--record-country <ALL|CC[,CC…]>', 'count only logins from these countries (default: ALL) — mod_monthly_visitors_record_country');
  return addForkIspOptions(withModule);
}

/** Where the options can come from besides flags (later wins: Prosody config < --config < flags). */
export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'our config file (JSON, or Lua data if it ends in .lua): data_path, mmdb_path, client_patterns, record_country, inputs, state, node_name, hosts')
    .option(
      '--prosody-config <file>',
      `read prosody.cfg.lua as data: data_path, log files, mod_monthly_visitors_* per host (default: /etc/prosody/prosody.cfg.lua if it exists and no --data-dir or --config is given; $${PROSODY_CONFIG_ENV} overrides that path)`,
    );
}

/**
 * --json, -q and -v, each where it means something: `json` for commands with a summary to print,
 * `cron` for those cron runs, `verbose` for those that read inputs.
 */
export function addOutputOptions(cmd: Command, has: { json?: boolean; cron?: boolean; verbose?: boolean } = {}): Command {
  const { json = true, cron = true, verbose = true } = has;
  if (json) cmd.option('--json', 'print the summary as JSON on stdout');
  cmd.option('-q, --quiet', `print only warnings and errors${cron ? ' (for cron)' : ''}`);
  return verbose ? cmd.option('-v, --verbose', 'say more about each input') : cmd;
}

/** Everything a command that reads logs and counts takes: the module's options, configs, log layout, output. */
export function addRunOptions(cmd: Command): Command {
  return addOutputOptions(addLogOptions(addConfigOptions(addCountingOptions(cmd))));
}

/** Where the statistics are: the data dir's files, or Prosody's SQL storage (validated by storage-options.ts). */
export function addStorageOptions(cmd: Command, withStorage = true): Command {
  // migrate names the SQL side with --from/--to instead of --storage.
  const sqlWith = withStorage ? 'with --storage sql: ' : '';
  if (withStorage) {
    cmd.addOption(new Option('--storage <internal|sql>', "Prosody's storage backend for the statistics: internal (.dat files in --data-dir) or sql (mod_storage_sql)"));
  }
  return cmd
    .addOption(new Option('--sql-driver <sqlite3|postgresql>', `${sqlWith}the database (default: sqlite3)`))
    .option('--sql-database <name>', `${sqlWith}the SQLite file, or the PostgreSQL database`)
    .option('--sql-host <host>', 'PostgreSQL host name, or the folder of its Unix socket')
    .option('--sql-port <port>', 'PostgreSQL port')
    .option('--sql-username <name>', 'PostgreSQL user')
    .option('--sql-password-file <file>', 'a file holding the PostgreSQL password');
}

export function reporterFor(raw: Pick<RawOptions, 'quiet' | 'verbose'>): Reporter {
  const verbosity: Verbosity = raw.quiet ? 'quiet' : raw.verbose ? 'verbose' : 'normal';
  return new Reporter(verbosity);
}

/** Validates every option up front: a bad one stops the run before anything is read or written. */
export function buildRunConfig(raw: RawOptions): RunConfig {
  return {
    ...withForkIsp(loadCountingConfig(raw), raw),
    format: chooseFormat(raw),
    firstYear: raw.year === undefined ? undefined : parseYear(raw.year),
    zone: TimeZone.of(raw.timezone, '--timezone'),
    monthZone: raw.monthTimezone === undefined ? null : TimeZone.of(raw.monthTimezone, '--month-timezone'),
    dryRun: Boolean(raw.dryRun),
    jobs: raw.jobs === undefined ? undefined : parseJobs(raw.jobs),
  };
}

/** The logs named on the command line, else those the configuration names. */
export function logsToRead(logs: readonly string[], config: RunConfig): readonly string[] {
  if (logs.length > 0) return logs;
  if (config.inputs && config.inputs.length > 0) return config.inputs;
  throw new UsageError('no logs to read: name them, or give a config whose log file sinks (prosody.cfg.lua `log`) or `inputs` name them');
}

/** `--format`, `--line-regex` and `--time-format` together name one log format (or auto-detection). */
function chooseFormat(raw: RawOptions): LogFormat | null {
  if (raw.lineRegex !== undefined) {
    if (raw.format !== 'auto' && raw.format !== 'regex') throw new UsageError(`--line-regex goes with --format regex, not --format ${raw.format}`);
    return regexFormat(raw.lineRegex, raw.timeFormat);
  }
  if (raw.format === 'regex') throw new UsageError('--format regex needs --line-regex');
  if (raw.timeFormat !== undefined) {
    if (raw.format !== 'auto' && raw.format !== 'prosody') throw new UsageError(`--time-format applies to --format prosody or regex, not ${raw.format}`);
    return prosodyFileFormatWith(raw.timeFormat);
  }
  return raw.format === 'auto' ? null : formatByName(raw.format);
}
