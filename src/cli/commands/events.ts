import type { Command } from 'commander';
import { LoginSource } from '../../pipeline/login-source.js';
import { addJobsOption, addConfigOptions, addLogOptions, addOutputOptions, buildRunConfig, logsToRead, reporterFor, type RawOptions } from '../common-options.js';
import { writeLine } from '../stdout.js';
import { addHelpAfter } from '../help-format.js';
import { safeJson } from '../safe-json.js';
import { warnOfInferredYears, yearText } from '../summary.js';

export function eventsCommand(program: Command): void {
  const cmd = program
    .command('events')
    .description('print the logins found in logs as JSON lines (prints IP addresses and resources: for debugging)')
    .argument('[log...]', 'log files, or - for standard input; several are merged in time order (default: the config\'s log files)');
  addConfigOptions(cmd);
  addJobsOption(addLogOptions(cmd));
  addOutputOptions(cmd, { json: false, cron: false });
  addHelpAfter(
    cmd,
    `
Each line (one line, shown here in three):
  {"time":"2026-09-03T09:00:00+00:00","month":"2026-09","host":"example.com",
   "user":"alice","ip":"127.0.1.10","resource":"Zom-iPhone",
   "source":"prosody.log:57"}

Examples:
  $ monthly-visitors events --timezone UTC /var/log/prosody/prosody.log | head
  $ monthly-visitors events --year 2025 prosody.log.1 \\
      | jq -r .month | sort | uniq -c`,
  );
  cmd.action(async (logs: string[], raw: RawOptions) => {
    const reporter = reporterFor(raw);
    const config = buildRunConfig({ ...raw, clientPattern: [], recordCountry: 'ALL' });
    // The events go to stdout as they are read: no line on a terminal that shows them.
    const progress = reporter.progressLine({ stdoutBusy: true });
    const source = await LoginSource.open(logsToRead(logs, config), config, reporter, undefined, progress);
    try {
      await printEvents(source);
    } finally {
      progress?.end();
    }
    for (const input of source.reports()) {
      reporter.verbose(`${input.label}: ${input.lines} lines, ${input.logins} logins, ${input.unparsable} unparsable${yearText(input)}`);
      if (input.unparsable > 0) reporter.warn(`${input.label}: ${input.unparsable} lines were not in the log's format and were skipped`);
    }
    warnOfInferredYears(source.reports(), reporter.warning);
  });
}

/** Every login as a JSON line on stdout. */
async function printEvents(source: LoginSource): Promise<void> {
  for await (const e of source.logins()) {
    const line = safeJson({
      time: e.localTime,
      month: e.month,
      host: e.host,
      user: e.user,
      ip: e.ip,
      resource: e.resource,
      source: e.source,
    });
    await writeLine(line);
  }
}
