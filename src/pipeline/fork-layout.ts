import type { ForkIspLayout } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import { UsageError } from '../errors.js';
import { AsnDatabase } from '../geoip/asn-database.js';

/**
 * The ISP fork's layout for a run (docs/fork-isp.md), with its ASN database opened and checked now;
 * undefined for the module's layout.
 */
export function forkLayoutOf(config: Pick<RunConfig, 'layout' | 'asnMmdbPath'>): ForkIspLayout | undefined {
  const asn = openAsnDatabase(config);
  return asn === null ? undefined : { isp: (ip) => asn.isp(ip) };
}

/** The ASN database of a run in the fork's layout (a usage error without one); null for the module's. */
export function openAsnDatabase(config: Pick<RunConfig, 'layout' | 'asnMmdbPath'>): AsnDatabase | null {
  if (config.layout !== 'fork-isp') return null;
  if (!config.asnMmdbPath) throw new UsageError('--layout fork-isp needs --asn-mmdb (mod_monthly_visitors_isp_mmdb_path): a GeoLite2/GeoIP2 ASN database (.mmdb)');
  return AsnDatabase.open(config.asnMmdbPath);
}
