import type { Layout } from '../core/month-layout.js';
import type { ClientPattern } from '../core/client-classifier.js';
import type { CountryFilter } from '../core/country-filter.js';
import type { LogFormat } from '../sources/log-format.js';
import type { TimeZone } from '../time/zone.js';
import type { EffectiveSettings } from './option-layers.js';
import type { ProsodyFacts } from './prosody/prosody-layer.js';

/** How one host counts (SPEC §9: the module's options are per host). */
export interface HostOptions {
  readonly mmdbPath: string | null;
  readonly clientPatterns: readonly ClientPattern[];
  readonly recordCountry: CountryFilter;
}

/** Everything a run needs, validated: the CLI and config files build this, pipelines read it. */
export interface RunConfig {
  readonly dataDir: string | null;
  /** The options of every host that no config names on its own (below: `hostOptions`). */
  readonly mmdbPath: string | null;
  readonly clientPatterns: readonly ClientPattern[];
  readonly recordCountry: CountryFilter;
  /** null = detect per input. */
  readonly format: LogFormat | null;
  readonly firstYear?: number;
  readonly zone: TimeZone;
  readonly monthZone: TimeZone | null;
  readonly dryRun: boolean;
  /** `--jobs`: threads that read large logs; absent = every core (`os.availableParallelism()`); 1 = the main thread only. */
  readonly jobs?: number;
  /** Per host (normalised, case-folded names) for the hosts a config names. */
  readonly hostOptions?: ReadonlyMap<string, HostOptions>;
  /** Logs to read when the command line names none (from `log` in prosody.cfg.lua or `inputs`). */
  readonly inputs?: readonly string[];
  /** The checkpoint file of `tail` (`state` in our config file). */
  readonly statePath?: string | null;
  /** This node's name in a cluster (`node_name` in our config file; `--node-name` wins). */
  readonly nodeName?: string | null;
  /** Every option with where it came from, for `check`. */
  readonly settings?: EffectiveSettings;
  /** The host record's layout: the module's (default) or the ISP fork's (docs/fork-isp.md). */
  readonly layout?: Layout;
  /** The ASN database of the ISP fork's layout. */
  readonly asnMmdbPath?: string | null;
  /** The Prosody config read, if any. */
  readonly prosody?: ProsodyFacts | null;
}
