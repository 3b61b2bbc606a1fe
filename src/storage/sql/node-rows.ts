/**
 * The cluster's nodes and their watermarks (core/month-barrier.ts), kept in Prosody's table as a
 * store of our own that no Prosody host reads: host `""`, store `monthly_visitors_nodes`, user =
 * the node's name, key `watermark`, type `json` (Prosody's encoding of a table), value
 * `{"heldAt":null,"instance":"…","movedAt":…,"watermark":…}` (epoch milliseconds; `instance`: which
 * tail wrote it, a hash of its host name and checkpoint path). A node writes its own row in the
 * transaction of each batch it commits, so its watermark is never ahead of its counts.
 */
import { StoreFormatError } from '../../errors.js';
import type { NodeWatermark } from '../../core/month-barrier.js';
import type { SqlConnection } from './sql-connection.js';

export const NODES_STORE = 'monthly_visitors_nodes';
const NODES_HOST = '';
const WATERMARK_KEY = 'watermark';

/** Every node's row (a repeated row: the latest watermark). */
export function readNodes(conn: SqlConnection): NodeWatermark[] {
  const rows = conn.query('SELECT "user", "type", "value" FROM "prosody" WHERE "host" = ? AND "store" = ? AND "key" = ?', [NODES_HOST, NODES_STORE, WATERMARK_KEY]);
  const nodes = new Map<string, NodeWatermark>();
  for (const row of rows) {
    const node = decodeNode(String(row.user), String(row.type), String(row.value), conn.label);
    if (!(nodes.get(node.name)?.watermark! >= node.watermark)) nodes.set(node.name, node);
  }
  return [...nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Replaces the node's row (inside the caller's transaction). */
export function writeNode(conn: SqlConnection, node: NodeWatermark): void {
  forgetNode(conn, node.name);
  const value = JSON.stringify({ heldAt: node.heldAt, instance: node.instance, movedAt: node.movedAt, watermark: node.watermark });
  conn.query('INSERT INTO "prosody" ("host", "user", "store", "key", "type", "value") VALUES (?, ?, ?, ?, ?, ?)', [NODES_HOST, node.name, NODES_STORE, WATERMARK_KEY, 'json', value]);
}

/** Removes a node's row; true if there was one. */
export function forgetNode(conn: SqlConnection, name: string): boolean {
  const there = conn.query('SELECT 1 AS x FROM "prosody" WHERE "host" = ? AND "store" = ? AND "user" = ?', [NODES_HOST, NODES_STORE, name]).length > 0;
  conn.query('DELETE FROM "prosody" WHERE "host" = ? AND "store" = ? AND "user" = ?', [NODES_HOST, NODES_STORE, name]);
  return there;
}

function decodeNode(name: string, type: string, value: string, label: string): NodeWatermark {
  const where = `${label} row (store ${JSON.stringify(NODES_STORE)}, node ${JSON.stringify(name)})`;
  let parsed: unknown;
  try {
    parsed = type === 'json' ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  const o = parsed as { watermark?: unknown; movedAt?: unknown; heldAt?: unknown; instance?: unknown } | undefined;
  const ms = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
  if (o === undefined || o === null || typeof o !== 'object' || !ms(o.watermark) || !ms(o.movedAt) || !(o.heldAt === null || typeof o.heldAt === 'string')) {
    throw new StoreFormatError(`${where}: expected a json row {"heldAt","movedAt","watermark"}; run \`monthly-visitors nodes --forget ${name}\``);
  }
  const instance = typeof o.instance === 'string' ? { instance: o.instance } : {};
  return { name, watermark: o.watermark as number, movedAt: o.movedAt as number, heldAt: o.heldAt as string | null, ...instance };
}
