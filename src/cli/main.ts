import { Command, CommanderError } from 'commander';
import { MonthlyVisitorsError } from '../errors.js';
import { packageInfo } from '../package-info.js';
import { stripControl } from './reporter.js';
import { addHelpAfter, configureHelpAndErrors } from './help-format.js';

const EXIT_OK = 0;
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

type Register = (program: Command) => void;

/**
 * The commands, in the order `--help` lists them. Each is loaded only when needed: a cron run of
 * `tail --once` with nothing new should cost little more than Node's own start-up, and loading
 * every command's modules (the config reader, report formats…) would double it.
 */
const COMMANDS: ReadonlyArray<[string, () => Promise<Register>]> = [
  ['backfill', async () => (await import('./commands/backfill.js')).backfillCommand],
  ['tail', async () => (await import('./commands/tail.js')).tailCommand],
  ['events', async () => (await import('./commands/events.js')).eventsCommand],
  ['check', async () => (await import('./commands/check.js')).checkCommand],
  ['report', async () => (await import('./commands/report.js')).reportCommand],
  ['prune', async () => (await import('./commands/prune.js')).pruneCommand],
  ['migrate', async () => (await import('./commands/migrate.js')).migrateCommand],
  ['nodes', async () => (await import('./commands/nodes.js')).nodesCommand],
];

/** The program with the command `argv` names, or with all of them (for help, version, errors). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('monthly-visitors')
    .description(
      "Privacy-preserving monthly visitor statistics from Prosody and ejabberd logs, written as mod_monthly_visitors' own storage.",
    )
    .version(packageInfo()?.version ?? 'unknown', '-V, --version')
    .exitOverride();
  configureHelpAndErrors(program);
  addHelpAfter(
    program,
    `
Start with: monthly-visitors backfill --help (count the logs you have), then tail --help (cron).
Each command's --help lists its options and examples.

Example:
  $ monthly-visitors backfill --data-dir /var/lib/prosody \\
      --mmdb /usr/share/GeoIP/GeoLite2-City.mmdb /var/log/prosody/prosody.log`,
  );
  const named = COMMANDS.filter(([name]) => name === argv[2]);
  // The version alone needs no command: loading them all was most of its time.
  const versionOnly = argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
  for (const [, load] of versionOnly ? [] : named.length > 0 ? named : COMMANDS) (await load())(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    configureHelpAndErrors(cmd);
  }
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 runtime failure, 2 usage or configuration error. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_OK); // `| head` closed the pipe: not an error
    throw err;
  });
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its message.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof MonthlyVisitorsError) {
      process.stderr.write(`monthly-visitors: ${stripControl(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`monthly-visitors: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_RUNTIME;
  }
}
