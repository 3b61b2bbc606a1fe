/**
 * The month barrier of a cluster counting into one store (README "Clusters"). Each node publishes
 * its *watermark*: the instant up to which its counting is complete. The store keeps only each
 * user's last month, so a node may count a login of month M only once no live node can still
 * commit a login of M−1: every other live node's watermark must have reached the start of M (in
 * the month zone). A node whose watermark has not moved for the timeout no longer holds anyone.
 * Pure: the caller reads the watermarks and the clock.
 */

export interface NodeWatermark {
  readonly name: string;
  /** Epoch ms up to which the node's counting is complete. */
  readonly watermark: number;
  /** Epoch ms (wall clock) when the watermark last moved (or the node last waited at the barrier). */
  readonly movedAt: number;
  /** The month the node waits to enter, if it was held at the barrier when it last committed. */
  readonly heldAt: string | null;
  /** Which tail published it (its host and checkpoint, hashed): two tails of one name are a mistake. */
  readonly instance?: string;
}

export type NodeState = 'live' | 'waiting' | 'stalled';

export interface Barrier {
  /** The last month this node may count now; null: no other live node, no limit. */
  readonly openThrough: string | null;
  /** The live nodes whose watermark is the lowest (those that hold `openThrough + 1` back). */
  readonly holdingNodes: readonly string[];
  /** Other nodes past the timeout: they hold nobody back (warn about them). */
  readonly stalled: readonly NodeWatermark[];
}

export function nodeState(node: NodeWatermark, now: number, timeoutMs: number): NodeState {
  if (now - node.movedAt > timeoutMs) return 'stalled';
  return node.heldAt !== null ? 'waiting' : 'live';
}

/**
 * Which months `self` may count now. `monthOf` gives an instant's `YYYY-MM` in the month zone: a
 * watermark of month W means every login before W's start is counted, so months up to W are open.
 */
export function monthBarrier(nodes: readonly NodeWatermark[], self: string, now: number, timeoutMs: number, monthOf: (epochMs: number) => string): Barrier {
  let openThrough: string | null = null;
  let holdingNodes: string[] = [];
  const stalled: NodeWatermark[] = [];
  for (const node of nodes) {
    if (node.name === self) continue; // one node never waits for itself
    if (nodeState(node, now, timeoutMs) === 'stalled') {
      stalled.push(node);
      continue;
    }
    const month = monthOf(node.watermark);
    if (openThrough === null || month < openThrough) {
      openThrough = month;
      holdingNodes = [node.name];
    } else if (month === openThrough) holdingNodes.push(node.name);
  }
  return { openThrough, holdingNodes, stalled };
}

/** Does the barrier let a login of `month` be counted? */
export function monthOpen(barrier: Barrier, month: string): boolean {
  return barrier.openThrough === null || month <= barrier.openThrough;
}
