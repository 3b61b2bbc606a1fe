import type { InputReport } from '../pipeline/login-source.js';
import type { OutcomeCounts } from '../pipeline/count-logins.js';
import type { Reporter } from './reporter.js';
import type { WarningSink } from '../warnings.js';

export interface StoreReport {
  readonly written: number;
  readonly unchanged: number;
  readonly deleted: number;
  /** What was counted: `.dat` files (internal storage) or table rows (SQL storage). */
  readonly unit: 'files' | 'rows';
}

/**
 * A store report in JSON: `store` keeps the keys it always had; `storeUnit` says whether they count
 * files or rows.
 */
export function storeJson(report: StoreReport | null): { store: object | null; storeUnit?: StoreReport['unit'] } {
  if (report === null) return { store: null };
  const { written, unchanged, deleted, unit } = report;
  return { store: { written, unchanged, deleted }, storeUnit: unit };
}

/** What a counting run did: the summary line of SPEC §10, and its JSON form. */
export interface RunSummary {
  readonly command: string;
  readonly dryRun: boolean;
  readonly inputs: readonly InputReport[];
  readonly outcomes: OutcomeCounts;
  readonly store: StoreReport | null;
}

export function summaryJson(s: RunSummary): object {
  const total = (key: keyof InputReport) => s.inputs.reduce((n, i) => n + (i[key] as number), 0);
  return {
    command: s.command,
    dryRun: s.dryRun,
    lines: total('lines'),
    logins: total('logins'),
    counted: s.outcomes.counted,
    alreadyCounted: s.outcomes['already-counted'],
    filtered: s.outcomes.filtered,
    late: s.outcomes.late,
    unstorable: s.outcomes.unstorable,
    patternGaveUp: s.outcomes.patternGaveUp,
    unparsable: total('unparsable'),
    inputs: s.inputs,
    ...storeJson(s.store),
  };
}

/** The human summary on stderr, plus warnings about what the logs could not tell. */
export function reportSummary(s: RunSummary, reporter: Reporter): void {
  const j = summaryJson(s) as ReturnType<typeof summaryJson> & Record<string, number>;
  for (const input of s.inputs) {
    reporter.verbose(
      `${input.label}: ${input.format ?? 'empty'}, ${input.lines} lines, ${input.logins} logins ` +
        `(${input.loginsWithIp} with IP, ${input.loginsWithResource} with resource), ${input.unparsable} unparsable${yearText(input)}`,
    );
    explainCapabilities(input, reporter);
  }
  warnOfInferredYears(s.inputs, reporter.warning);
  reporter.info(
    `${s.command}${s.dryRun ? ' (dry run)' : ''}: ${j.lines} lines, ${j.logins} logins: ${j.counted} counted, ` +
      `${j.alreadyCounted} already counted, ${j.filtered} filtered, ${j.late} late; ${j.unparsable} unparsable lines`,
  );
  if (s.store) {
    const verb = s.dryRun ? 'would write' : 'wrote';
    reporter.info(`${verb} ${s.store.written} ${s.store.unit}, ${s.store.deleted} deleted, ${s.store.unchanged} unchanged`);
  }
  warnOfUnparsable(s.inputs, reporter.warning);
  if (j.unstorable > 0) {
    reporter.warn(
      `${j.unstorable} logins were skipped: their user or host name is too long to be a file name in the data dir (over 255 bytes once encoded)`,
    );
  }
  if (j.patternGaveUp > 0) {
    reporter.warn(`${j.patternGaveUp} resources took a client pattern too much work to match; they were taken as not matching it (simplify the pattern)`);
  }
  const proxyOnly = s.inputs.reduce((n, i) => n + i.proxyOnlyLogins, 0);
  if (proxyOnly > 0) reporter.warn(proxyOnlyMessage(proxyOnly));
  if (j.late > 0) {
    reporter.warn(
      `${j.late} logins were older than the month their user was last counted in and were not counted; use backfill for old months`,
    );
  }
}

/** SPEC §4: the tool must say what a log can give, and which server setting gives more. */
function explainCapabilities(input: InputReport, reporter: Reporter): void {
  if (input.logins === 0) return;
  if (input.loginsWithResource === 0) {
    reporter.notice(
      `no-resource:${input.label}`,
      `${input.label}: no resources in this log, so every client is counted as client-? (Prosody logs resources only at debug level)`,
    );
  }
  if (input.loginsWithIp === 0) {
    reporter.notice(
      `no-ip:${input.label}`,
      `${input.label}: no client addresses in this log, so every place is geo-?-?-? (enable mod_log_auth with log_auth_ips = "all", or log at debug level)`,
    );
  }
}

/** `, year 2025 (inferred from its modification time)` for a log whose year was inferred; else nothing (--json has it always). */
export function yearText(input: InputReport): string {
  if (input.year === undefined || input.yearFrom !== 'modification-time') return '';
  return `, year ${input.year} (inferred from its modification time)`;
}

/**
 * A year inferred from a file's date is right for a log written this year; for an older year (a
 * log copied, or restored from a backup, keeps no date of its own) it is said, even under -q.
 */
export function warnOfInferredYears(inputs: readonly InputReport[], warn: WarningSink, currentYear = new Date().getFullYear()): void {
  for (const input of inputs) {
    if (input.yearFrom !== 'modification-time' || input.year === currentYear) continue;
    warn({ code: 'year-inferred', message: `${input.label}: its lines have no year; took ${input.year} from its modification time (give --year if that is wrong)` });
  }
}

/** Lines of no known shape were counted and skipped: said by the run, and by `check` that reads the same logs. */
export function warnOfUnparsable(inputs: readonly InputReport[], warn: WarningSink): void {
  const unparsable = inputs.reduce((n, i) => n + i.unparsable, 0);
  if (unparsable > 0) warn({ code: 'unparsable-lines', message: `${unparsable} lines were not in the log's format and were skipped` });
}

/** SPEC §4 (web clients): said once per run, by a run and by `check`. */
export function proxyOnlyMessage(logins: number): string {
  return (
    `${logins} web logins (WebSocket) were counted with place ?-?-?: their address is the reverse proxy's ` +
    '(a loopback or private TCP peer); load mod_log_auth with log_auth_ips = "all", or set trusted_proxies'
  );
}
