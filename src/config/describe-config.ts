import { existsSync } from 'node:fs';
import { patternOverlap } from '../core/lua-pattern/overlap.js';
import type { HostSettings, SourcedPattern } from './option-layers.js';
import type { RunConfig } from './run-config.js';
import { describeSql } from './storage-settings.js';
import type { Warning } from '../warnings.js';

/** What `check` says about the configuration: the effective options per host with their origin. */
export interface ConfigReport {
  readonly lines: string[];
  readonly warnings: Warning[];
  readonly json: Record<string, unknown>;
}

/** The global options' name in output; in JSON it is Prosody's `*`. */
const OTHER_HOSTS = 'every other host';

export function describeConfig(config: RunConfig): ConfigReport {
  const lines: string[] = [];
  const warnings: Warning[] = [];
  const settings = config.settings;
  if (!settings) return { lines, warnings, json: {} };

  if (config.prosody) lines.push(`Prosody config: ${config.prosody.file}`);
  lines.push(`data dir: ${settings.dataDir.value ?? '(none)'} (${settings.dataDir.origin})`);
  if (settings.inputs.value.length > 0) {
    lines.push(`logs: ${settings.inputs.value.join(', ')} (${settings.inputs.origin})`);
    for (const log of settings.inputs.value) {
      if (log !== '-' && !existsSync(log)) warnings.push({ code: 'log-missing', message: `${settings.inputs.origin}: log ${log} does not exist` });
    }
  }
  if (settings.statePath.value !== null) lines.push(`state: ${settings.statePath.value} (${settings.statePath.origin})`);
  if (settings.nodeName.value !== null) lines.push(`node name: ${settings.nodeName.value} (${settings.nodeName.origin})`);
  lines.push(`storage: ${settings.storage.value} (${settings.storage.origin})`);
  const sql = describeSql(settings.sql);
  if (settings.storage.value === 'sql' || sql.line !== 'password unset') lines.push(`sql: ${sql.line}`);

  const hosts: Array<[string, HostSettings]> = [[settings.hosts.size === 0 ? 'every host' : OTHER_HOSTS, settings.global], ...settings.hosts];
  const json: Record<string, unknown> = {
    dataDir: settings.dataDir,
    inputs: settings.inputs,
    statePath: settings.statePath,
    ...(settings.nodeName.value !== null && { nodeName: settings.nodeName }),
    storage: settings.storage,
    // The password only as set or unset (describeSql), never its value.
    sql: sql.json,
    hosts: Object.fromEntries([['*', hostJson(settings.global)], ...[...settings.hosts].map(([host, s]) => [host, hostJson(s)])]),
  };
  for (const [host, s] of hosts) {
    lines.push(host === OTHER_HOSTS || host === 'every host' ? `${host}:` : `host ${host}:`);
    lines.push(`  mmdb_path: ${s.mmdbPath.value ?? '(none)'} (${s.mmdbPath.origin})`);
    lines.push(`  record_country: ${s.recordCountry.value.toString()} (${s.recordCountry.origin})`);
    lines.push(`  client_patterns: ${s.clientPatterns.value.length}, tried in this order (${s.clientPatterns.origin})`);
    for (const p of s.clientPatterns.value) lines.push(`    ${p.pattern.source} → ${p.category} (${p.origin})`);
  }

  for (const { host, origin } of config.prosody?.moduleLoadedOn ?? []) {
    warnings.push({
      code: 'module-loaded-too',
      message: `${origin}: Prosody loads mod_monthly_visitors on ${host} itself: running this tool on the same store counts those logins twice`,
    });
  }
  if (config.prosody && config.prosody.logLevel === null) {
    const other = config.prosody.otherSinks.join(', ');
    lines.push(`Prosody logs to no file this tool can read by default${other ? ` (${other})` : ''}: name the logs (e.g. journalctl output)`);
  } else if (config.prosody?.logLevel === 'info') {
    lines.push('Prosody logs at info level: unique users only, no client statistics (resources are logged at debug level)');
  }

  // The same list shared by many hosts is analysed once.
  const groups = new Map<string, { patterns: readonly SourcedPattern[]; hosts: string[] }>();
  for (const [host, s] of hosts) {
    const key = s.clientPatterns.value.map((p) => `${p.origin}\0${p.pattern.source}\0${p.category}`).join('\n');
    const group = groups.get(key) ?? { patterns: s.clientPatterns.value, hosts: [] };
    group.hosts.push(host);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const found = overlaps(group.patterns, group.hosts.join(', '));
    warnings.push(...found.warnings);
    lines.push(...found.notes);
  }
  return { lines, warnings, json };
}

function hostJson(s: HostSettings) {
  return {
    mmdbPath: s.mmdbPath,
    recordCountry: { value: s.recordCountry.value.toString(), origin: s.recordCountry.origin },
    clientPatterns: s.clientPatterns.value.map((p) => ({ pattern: p.pattern.source, category: p.category, origin: p.origin })),
  };
}

/**
 * Every pair of patterns of different categories that one resource can match: found exactly for
 * regular patterns (see overlap.ts), reported as undecided for the others.
 */
function overlaps(patterns: readonly SourcedPattern[], hosts: string): { warnings: Warning[]; notes: string[] } {
  const warnings: Warning[] = [];
  const notes: string[] = [];
  for (let i = 0; i < patterns.length; i++) {
    for (let j = i + 1; j < patterns.length; j++) {
      const [a, b] = [patterns[i]!, patterns[j]!];
      if (a.category === b.category) continue;
      const result = patternOverlap(a.pattern.source, b.pattern.source);
      const pair = `${JSON.stringify(a.pattern.source)} (${a.category}, ${a.origin}) and ${JSON.stringify(b.pattern.source)} (${b.category}, ${b.origin})`;
      if (result.kind === 'overlap') {
        warnings.push({
          code: 'client-patterns-overlap',
          message: `client patterns of ${hosts}: ${pair} both match e.g. ${JSON.stringify(showBytes(result.witness))}; the first one written wins`,
        });
      } else if (result.kind === 'unknown') {
        notes.push(`client patterns of ${hosts}: could not decide whether ${pair} overlap: ${result.reason}`);
      }
    }
  }
  return { warnings, notes };
}

function showBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}
