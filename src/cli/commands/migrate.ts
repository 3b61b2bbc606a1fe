import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { migrateStore, type StoreLocation } from '../../pipeline/migrate-store.js';
import { checkDataDir } from '../../pipeline/preflight.js';
import { addOutputOptions, addStorageOptions, reporterFor, type RawOptions } from '../common-options.js';
import { storeJson } from '../summary.js';
import { addHelpAfter } from '../help-format.js';
import { sqlOptionsFromFlags, type StorageRawOptions } from '../storage-options.js';

interface MigrateOptions extends Pick<RawOptions, 'dataDir' | 'dryRun' | 'json' | 'quiet' | 'verbose'>, StorageRawOptions {
  from?: string;
  to?: string;
  wait?: boolean;
}

export function migrateCommand(program: Command): void {
  const cmd = program
    .command('migrate')
    .description("copy the statistics between Prosody's internal (.dat files) and SQL storage, in one batch")
    .requiredOption('--from <internal|sql>', 'the store to copy from')
    .requiredOption('--to <internal|sql>', 'the store to copy to')
    .option('--data-dir <dir>', "the internal store: Prosody's data directory (data_path)")
    .option('--dry-run', 'count what would be copied, write nothing')
    .option('--wait', 'wait for another run that holds the data dir lock, instead of failing');
  addOutputOptions(addStorageOptions(cmd, false), { verbose: false });
  addHelpAfter(
    cmd,
    `
The SQL store is named by the --sql-* options (--storage is implied). Months of the source replace
the target's months of the same name; other months of the target stay; each user's mark becomes
the later of the two. Into SQL storage the copy is one transaction holding the hosts' locks, so
tails may keep running; into a data dir it holds the data dir's lock.

Examples:
  $ monthly-visitors migrate --from internal --to sql \\
      --data-dir /var/lib/prosody --sql-driver sqlite3 \\
      --sql-database /var/lib/prosody/prosody.sqlite
  $ monthly-visitors migrate --from sql --to internal --data-dir ./copy \\
      --sql-driver postgresql --sql-host /var/run/postgresql \\
      --sql-database prosody`,
  );
  cmd.action((raw: MigrateOptions) => {
    const reporter = reporterFor(raw);
    const location = (kind: string | undefined, flag: string): StoreLocation => {
      if (kind === 'internal') {
        if (raw.dataDir === undefined) throw new UsageError('--data-dir is required for the internal store');
        return { kind, dataDir: raw.dataDir };
      }
      if (kind === 'sql') return { kind, sql: sqlOptionsFromFlags(raw) };
      throw new UsageError(`${flag} ${JSON.stringify(kind)}: expected internal or sql`);
    };
    const from = location(raw.from, '--from');
    const to = location(raw.to, '--to');
    if (from.kind === to.kind) throw new UsageError('--from and --to name the same kind of store');
    if (from.kind === 'internal') checkDataDir(from.dataDir, 'read', reporter.warning);
    if (to.kind === 'internal') checkDataDir(to.dataDir, 'create', reporter.warning, Boolean(raw.dryRun));
    const result = migrateStore(from, to, { dryRun: Boolean(raw.dryRun), wait: Boolean(raw.wait), onWait: reporter.waiting });
    if (raw.json) process.stdout.write(`${JSON.stringify({ command: 'migrate', dryRun: Boolean(raw.dryRun), ...result, ...storeJson(result.store) })}\n`);
    reporter.info(
      `migrate: ${result.hosts} hosts, ${result.months} months, ${result.users} user marks; ${raw.dryRun ? 'would write' : 'wrote'} ${result.store.written} ${result.store.unit}, ${result.store.unchanged} unchanged`,
    );
  });
}
