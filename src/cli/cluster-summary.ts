import type { TailClusterReport } from '../pipeline/tail-run.js';
import type { Reporter } from './reporter.js';

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
