import { MonthlyTally, type Outcome, type StatsView, type TallyChanges } from '../core/monthly-tally.js';
import type { RunConfig } from '../config/run-config.js';
import type { GeoIpDatabase } from '../geoip/geoip-database.js';
import type { LoginEvent } from '../core/login-event.js';
import type { LoginSource } from './login-source.js';
import { hostPolicies } from './host-policies.js';
import { forkLayoutOf } from './fork-layout.js';
import { crashPoint } from '../crash-points.js';

export type OutcomeCounts = Record<Outcome, number> & {
  /** Distinct resources on which a client pattern gave up (too much matching work): counted as not matching it. */
  patternGaveUp: number;
};

/**
 * Runs every login of a source through the module's rule against a stats view, and returns the
 * outcome counts and the changes to commit. No I/O of its own beyond what the view does.
 * `observe` sees every login with its outcome, and for a counted one the user's mark before it
 * (backfill learns from it which months each user was counted in).
 */
/**
 * The module's rule over a view, with each host's policy. The global GeoIP database is asked for
 * per login, so a follower can replace it (SIGHUP); per-host databases are opened once.
 */
export function createTally(
  view: StatsView,
  config: RunConfig,
  geoip: () => GeoIpDatabase | null,
): { tally: MonthlyTally; policies: ReturnType<typeof hostPolicies> } {
  const policies = hostPolicies(config, geoip());
  return { tally: new MonthlyTally(view, policies.policyFor, (ip) => geoip()?.locate(ip) ?? null, forkLayoutOf(config)), policies };
}

export function emptyOutcomes(): OutcomeCounts {
  return { counted: 0, 'already-counted': 0, filtered: 0, late: 0, unstorable: 0, patternGaveUp: 0 };
}

/** Distinct resources on which some host's patterns gave up. */
export function patternGaveUp(policies: ReturnType<typeof hostPolicies>): number {
  return policies.all.reduce((n, p) => n + p.classifier.gaveUp, 0);
}

export async function countLogins(
  source: LoginSource,
  view: StatsView,
  config: RunConfig,
  geoip: GeoIpDatabase | null,
  observe?: (event: LoginEvent, outcome: Outcome, previousMark: string | undefined) => void,
  /** Called after each chunk's logins: it may throw to stop the run (an interruption). */
  afterChunk?: () => void,
): Promise<{ outcomes: OutcomeCounts; changes: TallyChanges }> {
  const { tally, policies } = createTally(view, config, () => geoip);
  const outcomes = emptyOutcomes();
  for await (const batch of source.loginBatches()) {
    for (const event of batch) {
      const outcome = tally.record(event);
      outcomes[outcome]++;
      observe?.(event, outcome, tally.previousMark);
    }
    crashPoint('log-chunk-read');
    afterChunk?.();
  }
  outcomes.patternGaveUp = patternGaveUp(policies);
  return { outcomes, changes: tally.takeChanges() };
}
