import { ClientClassifier } from '../core/client-classifier.js';
import { MonthlyTally, type HostPolicy, type Outcome, type StatsView, type TallyChanges } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import type { GeoIpDatabase } from '../geoip/geoip-database.js';
import type { LoginSource } from './login-source.js';

export type OutcomeCounts = Record<Outcome, number>;

/**
 * Runs every login of a source through the module's rule against a stats view, and returns the
 * outcome counts and the changes to commit. No I/O of its own beyond what the view does.
 */
/** The module's rule over a view, with the run's policy; `geoip` is asked per login (SIGHUP may replace it). */
export function createTally(view: StatsView, config: RunConfig, geoip: () => GeoIpDatabase | null): MonthlyTally {
  const policy: HostPolicy = { classifier: new ClientClassifier(config.clientPatterns), countries: config.recordCountry };
  return new MonthlyTally(view, () => policy, (ip) => geoip()?.locate(ip) ?? null);
}

export async function countLogins(
  source: LoginSource,
  view: StatsView,
  config: RunConfig,
  geoip: GeoIpDatabase | null,
): Promise<{ outcomes: OutcomeCounts; changes: TallyChanges }> {
  const tally = createTally(view, config, () => geoip);
  const outcomes: OutcomeCounts = { counted: 0, 'already-counted': 0, filtered: 0, late: 0 };
  for await (const event of source.logins()) outcomes[tally.record(event)]++;
  return { outcomes, changes: tally.takeChanges() };
}
