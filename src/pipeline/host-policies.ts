import { ClientClassifier } from '../core/client-classifier.js';
import type { HostPolicy } from '../core/monthly-tally.js';
import { normalizeName } from '../core/normalize.js';
import type { HostOptions, RunConfig } from '../config/run-config.js';
import { GeoIpDatabase } from '../geoip/geoip-database.js';

/**
 * One policy per host (SPEC §9): a host a config names counts with its own patterns, country
 * filter and GeoIP database; every other host with the run's global options. Databases are
 * opened now, so a bad one stops the run before anything is read or written.
 */
export function hostPolicies(config: RunConfig, geoip: GeoIpDatabase | null): { policyFor: (host: string) => HostPolicy; all: HostPolicy[] } {
  const databases = new Map<string, GeoIpDatabase>();
  if (geoip && config.mmdbPath !== null) databases.set(config.mmdbPath, geoip);
  const policyOf = (options: HostOptions): HostPolicy => {
    let locate: HostPolicy['locate'];
    if (options.mmdbPath !== null && options.mmdbPath !== config.mmdbPath) {
      let db = databases.get(options.mmdbPath);
      if (!db) databases.set(options.mmdbPath, (db = GeoIpDatabase.open(options.mmdbPath)));
      locate = (ip) => db.locate(ip);
    }
    return { classifier: new ClientClassifier(options.clientPatterns), countries: options.recordCountry, locate };
  };
  const fallback = policyOf(config);
  const perHost = new Map<string, HostPolicy>();
  for (const [host, options] of config.hostOptions ?? []) {
    // A host with the run's own options shares its policy (and its classifier's cache).
    const same = options.clientPatterns === config.clientPatterns && options.recordCountry === config.recordCountry && options.mmdbPath === config.mmdbPath;
    perHost.set(normalizeName(host), same ? fallback : policyOf(options));
  }
  // Event hosts are normalised by the sources already.
  return { policyFor: (host) => perHost.get(host) ?? fallback, all: [...new Set([fallback, ...perHost.values()])] };
}
