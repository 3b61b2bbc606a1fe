import type { Command } from 'commander';
import { Option } from 'commander';
import { addConfigOptions, addOutputOptions, addStorageOptions, reporterFor, type RawOptions } from '../common-options.js';
import { loadCountingConfig } from '../../config/load-settings.js';
import { requireStore, type StorageRawOptions } from '../storage-options.js';
import { listNodes, withClusterNodes } from '../../pipeline/cluster-nodes.js';
import { nodesJson, nodesTable, warnStalled } from '../cluster-summary.js';
import { clock, duration, nodeNameOf } from '../cluster-options.js';
import { stripControl } from '../reporter.js';

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
  if (raw.json) process.stdout.write(`${JSON.stringify({ command: 'nodes', nodes: nodesJson(nodes) })}\n`);
  else if (!raw.quiet) process.stdout.write(nodesTable(nodes, now));
  warnStalled(nodes, now, (message) => reporter.warn(message));
}

