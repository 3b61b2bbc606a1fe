/**
 * One node's part in a cluster counting into a shared store (README "Clusters"): reads the other
 * nodes' watermarks, says which logins must wait at the month barrier (core/month-barrier.ts),
 * and works out the watermark this node publishes with each batch.
 *
 * The watermark is the instant up to which this node's counting is complete, the least over its
 * logs of: a held log's first held login; a log read to its end: the run's clock less
 * EOF_MARGIN_MS (a line logged later carries a later time), or the last login read if later
 * (a log clock ahead of ours); a log read part way: its last login read. It never goes back.
 */
import type { LoginEvent } from '../core/login-event.js';
import { monthBarrier, monthOpen, type Barrier, type NodeWatermark } from '../core/month-barrier.js';
import type { HeldLogin } from '../sources/tail/tail-reader.js';
import { monthOf, type TimeZone } from '../time/zone.js';
import type { ClusterNodes } from './stats-store.js';

/** A log read to its end vouches for the clock less this (a line being written, a slow flush). */
export const EOF_MARGIN_MS = 60_000;
/** An idle node publishes a watermark only the clock moved once it moved this far. */
const IDLE_PUBLISH_MS = 60_000;

export interface ClusterOptions {
  readonly nodeName: string;
  /** This tail's identity (host name and checkpoint, hashed): another tail publishing the same name is warned about. */
  readonly instance?: string;
  readonly nodeTimeoutMs: number;
  /** Zone months are counted in. */
  readonly monthZone: TimeZone;
  readonly now: () => number;
}

/** What one log contributes to the watermark at a commit. */
export interface LogProgress {
  readonly held: HeldLogin | null;
  /** Read to its end (as of this round). */
  readonly atEnd: boolean;
  /** Epoch ms of the last login read (this run or the checkpoint's), if any. */
  readonly lastLogin: number | null;
}

export class ClusterBarrier {
  private barrier: Barrier = { openThrough: null, holdingNodes: [], stalled: [] };
  private published: NodeWatermark | null = null;
  private readonly warned = new Set<string>();
  /** Other nodes were seen: late logins mean a closed month, worth a warning. */
  others = false;

  constructor(
    private readonly nodes: ClusterNodes,
    readonly options: ClusterOptions,
    private readonly warn: (message: string) => void,
  ) {}

  readonly monthOf = (epochMs: number): string => {
    const w = this.options.monthZone.wallClock(epochMs);
    return monthOf(w.year, w.month);
  };

  /** Reads the watermarks as committed now and decides which months are open. */
  refresh(): void {
    const nodes = this.nodes.nodes();
    const self = this.options.nodeName;
    const own = nodes.find((n) => n.name === self) ?? null;
    // Our own row, written by another tail: now (since our last publish), or recently before we started.
    const foreign = own?.instance !== undefined && own.instance !== this.options.instance && (this.published !== null || this.options.now() - own.movedAt <= this.options.nodeTimeoutMs);
    if (foreign && !this.warned.has(self)) {
      this.warned.add(self);
      this.warn(`node ${self}: another tail (another host, or another checkpoint) publishes its watermark under this name too; give each node its own --node-name, or the nodes do not wait for each other at month boundaries`);
    }
    this.published ??= own;
    if (this.published !== null && this.published.instance !== this.options.instance) this.published = { ...this.published, instance: this.options.instance };
    this.others = this.others || nodes.some((n) => n.name !== self);
    this.barrier = monthBarrier(nodes, self, this.options.now(), this.options.nodeTimeoutMs, this.monthOf);
    for (const node of this.barrier.stalled) {
      if (this.warned.has(node.name)) continue;
      this.warned.add(node.name);
      this.warn(
        `node ${node.name}: its watermark (${new Date(node.watermark).toISOString()}) has not moved for ${hours(this.options.now() - node.movedAt)} (--node-timeout ${hours(this.options.nodeTimeoutMs)}): ` +
          `no longer waiting for it; its logins of months the others close meanwhile will be late (\`monthly-visitors nodes --forget ${node.name}\` if it is gone for good)`,
      );
    }
  }

  /** True for a login that must wait: its month is not open yet. */
  readonly hold = (event: LoginEvent): boolean => this.holdsMonth(event.month);

  holdsMonth(month: string): boolean {
    return !monthOpen(this.barrier, month);
  }

  get state(): Barrier {
    return this.barrier;
  }

  /**
   * The watermark to commit with a batch, or undefined when there is nothing new to say (nothing
   * was counted and only the clock moved since the last publish, less than a minute ago).
   */
  next(logs: readonly LogProgress[], batchHasChanges: boolean): NodeWatermark | undefined {
    const now = this.options.now();
    let watermark = Infinity;
    let heldAt: string | null = null;
    for (const log of logs) {
      let w: number;
      if (log.held !== null) {
        w = log.held.time;
        if (heldAt === null || log.held.month < heldAt) heldAt = log.held.month;
      } else if (log.atEnd) w = Math.max(now - EOF_MARGIN_MS, log.lastLogin ?? -Infinity);
      else w = log.lastLogin ?? -Infinity;
      watermark = Math.min(watermark, w);
    }
    const before = this.published;
    if (before !== null) watermark = Math.max(watermark, before.watermark);
    if (!Number.isFinite(watermark)) return undefined; // nothing read yet: no claim to make
    const moved = before === null || watermark > before.watermark || heldAt !== null;
    const next: NodeWatermark = { name: this.options.nodeName, watermark, movedAt: moved ? now : before.movedAt, heldAt, instance: this.options.instance };
    const same = before !== null && before.watermark === next.watermark && before.heldAt === next.heldAt && before.movedAt === next.movedAt;
    if (same) return undefined;
    // Idle: only the clock moved the watermark, a little; not worth a transaction of its own.
    if (!batchHasChanges && before !== null && before.heldAt === heldAt && heldAt === null && watermark - before.watermark < IDLE_PUBLISH_MS) return undefined;
    return next;
  }

  /**
   * A node the store does not know yet says so before it counts anything: watermark 0, nothing
   * complete, so the others wait for its first batch rather than close a month it may still hold.
   */
  registration(): NodeWatermark | undefined {
    if (this.published !== null) return undefined;
    return { name: this.options.nodeName, watermark: 0, movedAt: this.options.now(), heldAt: null, instance: this.options.instance };
  }

  /** The watermark was committed. */
  committed(node: NodeWatermark): void {
    this.published = node;
  }
}

/** A duration for messages: `2h`, `1h30m`, `45m`, `30s`. */
export function hours(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h${m % 60 === 0 ? '' : `${m % 60}m`}`;
}
