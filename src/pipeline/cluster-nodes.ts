/**
 * `nodes`: the nodes of a cluster as the shared SQL store knows them (their watermarks and
 * states, core/month-barrier.ts), registering a node before its first run, forgetting one that is
 * gone. An internal store has one node by definition (one run at a time holds its lock).
 */
import { nodeState, type NodeState, type NodeWatermark } from '../core/month-barrier.js';
import { UsageError } from '../errors.js';
import type { StoreLocation } from '../storage/store-reader.js';
import { openStatsStore, type ClusterNodes } from './stats-store.js';

export interface NodeListing extends NodeWatermark {
  readonly state: NodeState;
}

export function listNodes(nodes: readonly NodeWatermark[], now: number, timeoutMs: number): NodeListing[] {
  return nodes.map((n) => ({ ...n, state: nodeState(n, now, timeoutMs) }));
}

/** Runs `work` on the cluster's nodes of a SQL store; `write`: it changes them (creates the table if need be). */
export function withClusterNodes<T>(location: StoreLocation, write: boolean, work: (nodes: ClusterNodes) => T): T {
  if (location.kind !== 'sql') throw new UsageError('nodes: an internal store (.dat files) has a single node; a cluster counts into SQL storage (--storage sql)');
  const store = openStatsStore('', { dryRun: !write, sql: location.sql, mustExist: !write });
  try {
    return work(store.cluster!);
  } finally {
    store.close();
  }
}
