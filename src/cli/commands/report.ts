import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { normalizeName } from '../../core/normalize.js';
import { GeoIpDatabase } from '../../geoip/geoip-database.js';
import { AsnDatabase } from '../../geoip/asn-database.js';
import { buildReport } from '../../report/build-report.js';
import { REPORT_FORMATS, isReportFormat } from '../../report/formats/index.js';
import { parseMonthOption } from '../../report/months.js';
import { reportLanguage } from '../../report/report-language.js';
import { writeOutputAtomically } from '../../report/write-output.js';
import { loadCountingConfig } from '../../config/load-settings.js';
import { openStoreReader } from '../../pipeline/open-store-reader.js';
import { addConfigOptions, addStorageOptions } from '../common-options.js';
import { requireStore, type StorageRawOptions } from '../storage-options.js';
import { addHelpAfter } from '../help-format.js';

interface ReportRawOptions extends StorageRawOptions {
  dataDir?: string;
  config?: string;
  prosodyConfig?: string;
  host: string[];
  from?: string;
  to?: string;
  format: string;
  minCount?: string;
  mmdb?: string;
  asnMmdb?: string;
  lang?: string;
  top: string;
  mapMonth?: string;
  locations?: string;
  output?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function reportCommand(program: Command): void {
  const cmd = program
    .command('report')
    .description("print the statistics of a data dir or SQL store (read-only): per host and month the unique visitors by country, subdivision, city and client")
    .option('--data-dir <dir>', "Prosody's data directory (data_path), e.g. /var/lib/prosody");
  addStorageOptions(addConfigOptions(cmd))
    .option('--host <host>', 'only this host (repeatable; default: every host with statistics)', collect, [])
    .option('--from <YYYY-MM>', 'first month to show')
    .option('--to <YYYY-MM>', 'last month to show')
    .addOption(new Option('--format <name>', 'output format').choices(Object.keys(REPORT_FORMATS)).default('table'))
    .option('--min-count <k>', 'hide every count below k (shown as <k), and whatever would reveal it (k-anonymity for published figures)')
    .option('--mmdb <file>', 'GeoIP2/GeoLite2 City database: names of cities and subdivisions (read whole, once: about 2 s and 130 MB for GeoLite2-City)')
    .option('--asn-mmdb <file>', 'GeoLite2/GeoIP2 ASN database: names of the ISP fork\'s ISPs (autonomous_system_organization)')
    .option('--lang <code>', 'language of place names: en, de, es, fr, ja, pt-BR, ru, zh-CN (default: the locale\'s, else en)')
    .option('--locations <file>', 'GeoLite2-City-Locations-en.csv (or another language): city and subdivision names; wins over --mmdb')
    .option('--top <n>', 'html: categories named in the share charts; the others are "other"', '8')
    .option('--map-month <YYYY-MM>', "html: the month of the world map (default: each host's latest month shown)")
    .option('--output <file>', 'write to this file (replaced atomically: temporary file + rename) instead of standard output')
    .action((raw: ReportRawOptions) => {
      runReport(raw);
    });
  addHelpAfter(
    cmd,
    `
Reads only; takes no lock. Exits 0 on success, 2 for a bad option or locations file, 1 for a store
that cannot be read (a corrupt .dat names the file; a corrupt SQL row its host and key).

Examples:
  $ monthly-visitors report --data-dir /var/lib/prosody
  $ monthly-visitors report --data-dir /var/lib/prosody --host example.com \\
      --from 2026-01 --to 2026-06
  $ monthly-visitors report --data-dir /var/lib/prosody --format json \\
      --min-count 5 > stats.json
  $ monthly-visitors report --data-dir /var/lib/prosody \\
      --mmdb /usr/share/GeoIP/GeoLite2-City.mmdb --lang de
  $ monthly-visitors report --data-dir /var/lib/prosody --format csv \\
      --locations GeoLite2-City-Locations-en.csv
  $ monthly-visitors report --data-dir /var/lib/prosody --format prometheus \\
      --output /var/lib/prometheus/node-exporter/monthly_visitors.prom
  $ monthly-visitors report --data-dir /var/lib/prosody --format html \\
      --min-count 5 --output visitors.html
  # data_path, or storage = "sql" and sql = { … }:
  $ monthly-visitors report --prosody-config /etc/prosody/prosody.cfg.lua
  $ monthly-visitors report --storage sql --sql-driver postgresql \\
      --sql-host /var/run/postgresql --sql-database prosody`,
  );
}

function parseMinCount(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new UsageError(`--min-count ${JSON.stringify(value)}: expected a whole number ≥ 1`);
  return Number(value);
}

function runReport(raw: ReportRawOptions): void {
  const location = requireStore(loadCountingConfig({ ...raw, mmdb: undefined, clientPattern: [] }), 'to read');
  if (!isReportFormat(raw.format)) throw new UsageError(`--format ${raw.format}: not a report format`);
  const from = raw.from === undefined ? undefined : parseMonthOption(raw.from, '--from');
  const to = raw.to === undefined ? undefined : parseMonthOption(raw.to, '--to');
  if (from !== undefined && to !== undefined && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const minCount = parseMinCount(raw.minCount);
  if (!/^\d{1,3}$/.test(raw.top) || Number(raw.top) < 1 || Number(raw.top) > 100) throw new UsageError(`--top ${JSON.stringify(raw.top)}: expected a whole number from 1 to 100`);
  const top = Number(raw.top);
  const mapMonth = raw.mapMonth === undefined ? undefined : parseMonthOption(raw.mapMonth, '--map-month');
  const language = reportLanguage(raw.lang);
  const database = raw.mmdb === undefined ? undefined : GeoIpDatabase.open(raw.mmdb);
  const asnDatabase = raw.asnMmdb === undefined ? undefined : AsnDatabase.open(raw.asnMmdb);
  const store = openStoreReader(location);
  let report;
  try {
    report = buildReport({ store, hosts: raw.host.map(normalizeName), from, to, minCount, locationsFile: raw.locations, database, language, asnDatabase });
  } finally {
    store.close();
    database?.close();
    asnDatabase?.close();
  }
  const text = REPORT_FORMATS[raw.format](report, { top, mapMonth });
  if (raw.output !== undefined) writeOutputAtomically(raw.output, text);
  else process.stdout.write(text);
}
