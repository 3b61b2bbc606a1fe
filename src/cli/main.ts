import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { MonthlyVisitorsError } from '../errors.js';
import { backfillCommand } from './commands/backfill.js';
import { eventsCommand } from './commands/events.js';
import { checkCommand } from './commands/check.js';
import { reportCommand } from './commands/report.js';
import { pruneCommand } from './commands/prune.js';
import { tailCommand } from './commands/tail.js';
import { migrateCommand } from './commands/migrate.js';
import { stripControl } from './reporter.js';

const EXIT_OK = 0;
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('monthly-visitors')
    .description(
      "Privacy-preserving monthly visitor statistics from Prosody and ejabberd logs, written as mod_monthly_visitors' own storage.",
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  backfillCommand(program);
  tailCommand(program);
  eventsCommand(program);
  checkCommand(program);
  reportCommand(program);
  pruneCommand(program);
  migrateCommand(program);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 runtime failure, 2 usage or configuration error. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_OK); // `| head` closed the pipe: not an error
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
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
