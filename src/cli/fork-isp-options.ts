import { Option, type Command } from 'commander';
import { CountryFilter } from '../core/country-filter.js';
import type { Layout } from '../core/month-layout.js';
import type { CountingConfig } from '../config/load-settings.js';
import type { HostOptions, RunConfig } from '../config/run-config.js';
import { UsageError } from '../errors.js';
import type { Reporter } from './reporter.js';

const LAYOUTS: readonly Layout[] = ['module', 'fork-isp'];

/** The ISP fork's options (docs/fork-isp.md). */
export function addForkIspOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--layout <module|fork-isp>', "the host record's layout: the module's, or the ISP fork's (default: module, or fork-isp when the Prosody config names the fork's options)"))
    .option('--asn-mmdb <file>', 'GeoLite2/GeoIP2 ASN database (.mmdb), for --layout fork-isp — mod_monthly_visitors_isp_mmdb_path');
}

export interface ForkIspFlags {
  readonly layout?: string;
  readonly asnMmdb?: string;
}

/**
 * The layout and ASN database of a run. With the fork's layout, a missing country list records
 * nobody, as in the fork (`mod_monthly_visitors_record_countries` has no ALL): the run says so.
 */
export function withForkIsp<T extends CountingConfig>(config: T, flags: ForkIspFlags): T & Pick<RunConfig, 'layout' | 'asnMmdbPath'> {
  const layout = parseLayout(flags.layout) ?? config.layout ?? 'module';
  const asnMmdbPath = flags.asnMmdb ?? config.asnMmdbPath ?? null;
  if (layout === 'module') {
    if (flags.asnMmdb !== undefined) throw new UsageError('--asn-mmdb goes with --layout fork-isp (the module stores no ISP)');
    return { ...config, layout, asnMmdbPath: null };
  }
  const nobodyIfAll = (o: HostOptions, origin: string | undefined): CountryFilter => (o.recordCountry.isAll && origin === 'default' ? CountryFilter.only([]) : o.recordCountry);
  const hostOptions = new Map<string, HostOptions>();
  for (const [host, o] of config.hostOptions ?? []) {
    hostOptions.set(host, { ...o, recordCountry: nobodyIfAll(o, config.settings?.hosts.get(host)?.recordCountry.origin) });
  }
  return { ...config, layout, asnMmdbPath, hostOptions, recordCountry: nobodyIfAll(config, config.settings?.global.recordCountry.origin) };
}

function parseLayout(text: string | undefined): Layout | undefined {
  if (text === undefined) return undefined;
  if (!(LAYOUTS as readonly string[]).includes(text)) throw new UsageError(`--layout ${JSON.stringify(text)}: give module or fork-isp`);
  return text as Layout;
}

/** Says when the fork's layout will record nobody: no country list. */
export function warnForkIsp(config: RunConfig, reporter: Reporter): void {
  if (config.layout !== 'fork-isp') return;
  const empty = [config, ...(config.hostOptions?.values() ?? [])].some((o) => !o.recordCountry.isAll && o.recordCountry.toString() === '');
  if (empty) {
    reporter.warn('--layout fork-isp without a --record-country list (mod_monthly_visitors_record_countries) records nobody, as the fork does: give the countries to count');
  }
}
