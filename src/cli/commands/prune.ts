import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { MAX_KEEP_MONTHS, isMonth, oldestKeptMonth } from '../../core/prune-plan.js';
import { pruneStore, type PruneResult } from '../../pipeline/prune-store.js';
import { addConfigOptions, addOutputOptions, addStorageOptions, reporterFor, type RawOptions } from '../common-options.js';
import { loadCountingConfig } from '../../config/load-settings.js';
import { requireStore, type StorageRawOptions } from '../storage-options.js';
import { storeJson } from '../summary.js';
import { stripControl } from '../reporter.js';
import { addHelpAfter } from '../help-format.js';
import { textTable } from '../text-table.js';

interface PruneOptions extends Pick<RawOptions, 'dataDir' | 'dryRun' | 'json' | 'quiet' | 'verbose' | 'config' | 'prosodyConfig'>, StorageRawOptions {
  keepMonths?: string;
  now?: string;
  wait?: boolean;
}

export function pruneCommand(program: Command): void {
  const cmd = program
    .command('prune')
    .description("delete old months from the module's storage: host records' months and users last counted before them")
    .requiredOption('--keep-months <n>', 'how many months to keep, counting the current one')
    .option('--data-dir <dir>', "Prosody's data directory (data_path), e.g. /var/lib/prosody")
    .option('--now <YYYY-MM>', "the current month (default: this machine's local date)")
    .option('--dry-run', 'print what would be deleted, delete nothing')
    .option('--wait', 'wait for another run that holds the data dir lock, instead of failing');
  addOutputOptions(addStorageOptions(addConfigOptions(cmd)), { verbose: false });
  addHelpAfter(
    cmd,
    `
--keep-months N keeps the current month and the N - 1 months before it: in November 2026,
--keep-months 12 keeps 2025-12 … 2026-11 and deletes 2025-11 and older from every host record,
and deletes the record of every user whose last-recorded month is 2025-11 or older (a user file
that holds other keys keeps them). Keys that are not YYYY-MM months are never deleted.
Prints per host how many months and user records it deleted (never names). All deletions are one
atomic batch, made while holding the data dir's lock; in SQL storage one transaction that holds
every host's lock, so tails of other nodes may keep running (they wait for it, briefly).

Examples:
  $ monthly-visitors prune --data-dir /var/lib/prosody --keep-months 24 \\
      --dry-run
  $ monthly-visitors prune --data-dir /var/lib/prosody --keep-months 24 --json
  # storage = "sql" there:
  $ monthly-visitors prune --prosody-config /etc/prosody/prosody.cfg.lua \\
      --keep-months 24`,
  );
  cmd.action((raw: PruneOptions) => {
    runPrune(raw);
  });
}

function runPrune(raw: PruneOptions): void {
  const reporter = reporterFor(raw);
  const location = requireStore(loadCountingConfig({ ...raw, clientPattern: [] }), 'to prune');
  const keepMonths = parseKeepMonths(raw.keepMonths ?? '');
  const now = raw.now ?? currentMonth();
  if (!isMonth(now)) throw new UsageError(`--now ${JSON.stringify(raw.now)}: give a month as YYYY-MM`);
  const oldestKept = oldestKeptMonth(now, keepMonths);
  const dryRun = Boolean(raw.dryRun);
  const result = pruneStore(location, { oldestKept, dryRun, wait: Boolean(raw.wait), onWait: reporter.waiting });
  if (raw.json) {
    process.stdout.write(`${JSON.stringify({ command: 'prune', dryRun, keepMonths, now, oldestKept, hosts: result.hosts, ...storeJson(result.store) })}\n`);
  } else if (!raw.quiet) {
    process.stdout.write(pruneTable(result, dryRun));
  }
  const removedMonths = result.hosts.reduce((n, h) => n + h.monthsRemoved, 0);
  const removedUsers = result.hosts.reduce((n, h) => n + h.usersRemoved, 0);
  reporter.info(
    `prune${dryRun ? ' (dry run)' : ''}: keeping ${keepMonths} months, ${oldestKept} to ${now}; ` +
      `${dryRun ? 'would remove' : 'removed'} ${removedMonths} host months and ${removedUsers} user records ` +
      `(${result.store.written} ${result.store.unit} ${dryRun ? 'would be ' : ''}rewritten, ${result.store.deleted} ${dryRun ? 'would be ' : ''}deleted)`,
  );
}

function pruneTable(result: PruneResult, dryRun: boolean): string {
  if (result.hosts.length === 0) return 'no monthly-visitors statistics in this store\n';
  const head = ['host', dryRun ? 'months to remove' : 'months removed', 'kept', 'oldest..newest removed', dryRun ? 'users to remove' : 'users removed', 'kept'];
  const rows = result.hosts.map((h) => [
    stripControl(h.host),
    String(h.monthsRemoved),
    String(h.monthsKept),
    h.removedFrom === null ? '-' : `${h.removedFrom}..${h.removedTo}`,
    String(h.usersRemoved),
    String(h.usersKept),
  ]);
  return textTable(head, rows, [1, 2, 4, 5]);
}

function parseKeepMonths(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_KEEP_MONTHS) {
    throw new UsageError(`--keep-months ${JSON.stringify(text)}: give a whole number of months from 1 to ${MAX_KEEP_MONTHS}`);
  }
  return n;
}

/** This machine's current month on its local clock (the module counts on the server's clock). */
function currentMonth(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}
