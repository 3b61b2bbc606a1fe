import type { ClientPattern } from '../core/client-classifier.js';
import type { CountryFilter } from '../core/country-filter.js';
import type { LogFormat } from '../sources/log-format.js';
import type { TimeZone } from '../time/zone.js';

/** Everything a run needs, validated: the CLI (and later config files) build this, pipelines read it. */
export interface RunConfig {
  readonly dataDir: string | null;
  readonly mmdbPath: string | null;
  readonly clientPatterns: readonly ClientPattern[];
  readonly recordCountry: CountryFilter;
  /** null = detect per input. */
  readonly format: LogFormat | null;
  readonly firstYear?: number;
  readonly zone: TimeZone;
  readonly monthZone: TimeZone | null;
  readonly dryRun: boolean;
}
