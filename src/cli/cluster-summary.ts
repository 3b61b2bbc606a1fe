import type { TailClusterReport } from '../pipeline/tail-run.js';
import type { NodeListing } from '../pipeline/cluster-nodes.js';
import { hours } from '../pipeline/cluster-barrier.js';
import { stripControl, type Reporter } from './reporter.js';
import { textTable } from './text-table.js';

/** What a node of a cluster tells after a `tail` run: where it waits, and logins that came too late. */
export function reportCluster(report: TailClusterReport, reporter: Reporter): void {
  if (report.held !== null) {
    const who = report.held.waitingFor.length > 0 ? `node(s) ${report.held.waitingFor.join(', ')}` : 'the other nodes';
    reporter.info(`node ${report.node}: stopped before the first login of ${report.held.month}: ${who} may still count logins of the month before (the month barrier); the next run goes on from there`);
  }
  for (const [month, n] of Object.entries(report.lateByMonth).sort()) {
    reporter.warn(
      `node ${report.node}: ${n} login(s) of ${month} came after the cluster had closed ${month} and were not counted (late); ` +
        `to recount ${month} exactly, run \`monthly-visitors backfill --replace\` over all nodes' logs of ${month}`,
    );
  }
}

function isoOrNull(ms: number): string | null {
  return ms === 0 ? null : new Date(ms).toISOString();
}

/** The nodes as `nodes` prints them (and `check`). */
export function nodesTable(nodes: readonly NodeListing[], now: number): string {
  if (nodes.length === 0) return 'no nodes: no tail has counted into this store as a cluster node yet\n';
  const rows = nodes.map((n) => [
    stripControl(n.name),
    isoOrNull(n.watermark) ?? '(nothing counted yet)',
    `${hours(now - n.movedAt)} ago`,
    n.state === 'waiting' ? `waiting to enter ${n.heldAt}` : n.state,
  ]);
  return textTable(['node', 'watermark (counted up to)', 'moved', 'state'], rows);
}

export function nodesJson(nodes: readonly NodeListing[]): unknown[] {
  return nodes.map((n) => ({ name: n.name, watermark: isoOrNull(n.watermark), movedAt: new Date(n.movedAt).toISOString(), heldAt: n.heldAt, state: n.state }));
}

export function warnStalled(nodes: readonly NodeListing[], now: number, warn: (message: string) => void): void {
  for (const n of nodes) {
    if (n.state !== 'stalled') continue;
    warn(`node ${stripControl(n.name)} is stalled: its watermark has not moved for ${hours(now - n.movedAt)}; the others no longer wait for it (\`monthly-visitors nodes --forget ${stripControl(n.name)}\` if it is gone for good)`);
  }
}
