import { CountryFilter } from '../../core/country-filter.js';
import type { CountingOptions, Sourced } from '../option-layers.js';
import { readCountingOptions, readPath, readRecordCountry } from '../read-options.js';
import { DataTable, formatWhere, type TableEntry } from './lua-data.js';

/**
 * The options of the ISP fork of mod_monthly_visitors (docs/fork-isp.md): its City database and
 * country list have other names than the module's, and it adds an ASN database.
 */
export const FORK_OPTIONS = {
  mmdbPath: 'mod_monthly_visitors_geoip_mmdb_path',
  clientPatterns: 'mod_monthly_visitors_client_patterns',
  recordCountry: 'mod_monthly_visitors_record_countries',
};
export const FORK_ASN_OPTION = 'mod_monthly_visitors_isp_mmdb_path';

/** Options only the fork has: a config that sets any of them runs the fork. */
const FORK_ONLY = [FORK_OPTIONS.mmdbPath, FORK_ASN_OPTION, FORK_OPTIONS.recordCountry];

type Sections = ReadonlyMap<string, ReadonlyMap<string, TableEntry>>;

/** Whether any section of the config sets one of the fork's own options. */
export function namesForkOptions(sections: Sections): boolean {
  return [...sections.values()].some((s) => FORK_ONLY.some((name) => s.has(name)));
}

/** A section's counting options under the fork's names; its empty country list records nobody, as in the fork. */
export function readForkCountingOptions(section: ReadonlyMap<string, TableEntry> | undefined): CountingOptions {
  // The list is read below (an empty one is valid here); the module's reader would refuse it.
  const options = readCountingOptions(section, { ...FORK_OPTIONS, recordCountry: '' });
  const list = section?.get(FORK_OPTIONS.recordCountry);
  if (list?.value instanceof DataTable && list.value.sequence().length === 0) {
    return { ...options, recordCountry: { value: CountryFilter.only([]), origin: formatWhere(list.where) } };
  }
  return list === undefined ? options : { ...options, recordCountry: readRecordCountry(list, FORK_OPTIONS.recordCountry) };
}

/** The ASN database the config names (global section). */
export function forkAsnPath(global: ReadonlyMap<string, TableEntry> | undefined): Sourced<string> | undefined {
  const entry = global?.get(FORK_ASN_OPTION);
  return entry && readPath(entry, FORK_ASN_OPTION);
}
