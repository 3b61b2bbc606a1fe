import type { ForkIspLayout } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import { UsageError } from '../errors.js';
import { AsnDatabase } from '../geoip/asn-database.js';

/**
 * The ISP fork's layout for a run (docs/fork-isp.md), with its ASN database opened and checked now;
 * undefined for the module's layout.
 */
export function forkLayoutOf(config: Pick<RunConfig, 'layout' | 'asnMmdbPath'>): ForkIspLayout | undefined {
  if (config.layout !== 'fork-isp') return undefined;
  if (!config.asnMmdbPath) throw new UsageError('--layout fork-isp needs --asn-mmdb (mod_monthly_visitors_isp_mmdb_path): a GeoLite2/GeoIP2 ASN database (.mmdb)');
  const asn = AsnDatabase.open(config.asnMmdbPath);
  return { isp: (ip) => asn.isp(ip) };
}
