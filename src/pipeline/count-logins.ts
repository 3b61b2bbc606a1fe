import { ClientClassifier } from '../core/client-classifier.js';
import { MonthlyTally, type HostPolicy, type Outcome, type StatsView, type TallyChanges } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import type { GeoIpDatabase } from '../geoip/geoip-database.js';
import type { LoginSource } from './login-source.js';

export type OutcomeCounts = Record<Outcome, number> & {
  /** Distinct resources on which a client pattern gave up (too much matching work): counted as not matching it. */
  patternGaveUp: number;
};

/**
 * Runs every login of a source through the module's rule against a stats view, and returns the
 * outcome counts and the changes to commit. No I/O of its own beyond what the view does.
 */
export async function countLogins(
  source: LoginSource,
  view: StatsView,
  config: RunConfig,
  geoip: GeoIpDatabase | null,
): Promise<{ outcomes: OutcomeCounts; changes: TallyChanges }> {
  const policy: HostPolicy = { classifier: new ClientClassifier(config.clientPatterns), countries: config.recordCountry };
  const tally = new MonthlyTally(view, () => policy, (ip) => (geoip ? geoip.locate(ip) : null));
  const outcomes: OutcomeCounts = { counted: 0, 'already-counted': 0, filtered: 0, late: 0, unstorable: 0, patternGaveUp: 0 };
  for await (const event of source.logins()) outcomes[tally.record(event)]++;
  outcomes.patternGaveUp = policy.classifier.gaveUp;
  return { outcomes, changes: tally.takeChanges() };
}
