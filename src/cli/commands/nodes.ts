import type { Command } from 'commander';
import { Option } from 'commander';
import { addConfigOptions, addOutputOptions, addStorageOptions, reporterFor, type RawOptions } from '../common-options.js';
import { loadCountingConfig } from '../../config/load-settings.js';
import { requireStore, type StorageRawOptions } from '../storage-options.js';
import { listNodes, withClusterNodes, type NodeListing } from '../../pipeline/cluster-nodes.js';
import { hours } from '../../pipeline/cluster-barrier.js';
import { clock, duration, nodeNameOf } from '../cluster-options.js';
import { stripControl } from '../reporter.js';
import { textTable } from '../text-table.js';

interface NodesOptions extends Pick<RawOptions, 'dataDir' | 'json' | 'quiet' | 'verbose' | 'config' | 'prosodyConfig'>, StorageRawOptions {
  forget?: string[];
  add?: string[];
  nodeTimeout: string;
}

export function nodesCommand(program: Command): void {
  const cmd = program
    .command('nodes')
    .description('the nodes of a cluster counting into one SQL store: their watermarks and states; register or forget one')
    .option('--add <name...>', 'register nodes before their first run (watermark: nothing counted yet), so no other node closes a month they may hold')
    .option('--forget <name...>', 'remove a node that is gone for good: it no longer holds the month barrier, and no warning names it')
    .addOption(new Option('--node-timeout <duration>', 'a node whose watermark has not moved for this long is stalled').default('2h'));
  addOutputOptions(addStorageOptions(addConfigOptions(cmd)));
  cmd.addHelpText(
    'after',
    `
States: live (counting), waiting (stopped at the month barrier for another node), stalled (its
watermark has not moved for --node-timeout: the others no longer wait for it).

Examples:
  $ monthly-visitors nodes --prosody-config /etc/prosody/prosody.cfg.lua
  $ monthly-visitors nodes --storage sql --sql-database /var/lib/prosody/prosody.sqlite --forget xmpp3`,
  );
  cmd.action((raw: NodesOptions) => {
    runNodes(raw);
  });
}

function runNodes(raw: NodesOptions): void {
  const reporter = reporterFor(raw);
  const location = requireStore(loadCountingConfig({ ...raw, clientPattern: [] }), 'that holds the statistics');
  const timeoutMs = duration(raw.nodeTimeout, '--node-timeout');
  const now = clock()();
  const write = raw.add !== undefined || raw.forget !== undefined;
  const nodes = withClusterNodes(location, write, (cluster) => {
    for (const name of raw.add ?? []) {
      if (!cluster.add({ name: nodeNameOf(name), watermark: 0, movedAt: now, heldAt: null })) reporter.info(`node ${stripControl(name)}: known already`);
    }
    for (const name of raw.forget ?? []) {
      if (!cluster.forget(name)) reporter.warn(`node ${stripControl(name)}: no such node`);
    }
    return listNodes(cluster.nodes(), now, timeoutMs);
  });
  if (raw.json) {
    const json = nodes.map((n) => ({ name: n.name, watermark: isoOrNull(n.watermark), movedAt: new Date(n.movedAt).toISOString(), heldAt: n.heldAt, state: n.state }));
    process.stdout.write(`${JSON.stringify({ command: 'nodes', nodes: json })}\n`);
  } else if (!raw.quiet) {
    process.stdout.write(nodesTable(nodes, now));
  }
  for (const n of nodes) {
    if (n.state === 'stalled') reporter.warn(`node ${stripControl(n.name)} is stalled: its watermark has not moved for ${hours(now - n.movedAt)}; the others no longer wait for it (\`--forget ${stripControl(n.name)}\` if it is gone for good)`);
  }
}

function isoOrNull(ms: number): string | null {
  return ms === 0 ? null : new Date(ms).toISOString();
}

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
