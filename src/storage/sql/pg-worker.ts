/**
 * The worker behind pg-connection.ts: holds one `pg` client and answers each query on the port,
 * then wakes the waiting main thread through the shared flag.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';

interface Request {
  readonly sql?: string;
  readonly params?: unknown[];
  readonly close?: boolean;
}

const { flag, port, config } = workerData as { flag: Int32Array; port: MessagePort; config: pg.ClientConfig };
const client = new pg.Client(config);
const connected = client.connect();
// Errors of an idle connection come back with the next query; they must not kill the worker first.
client.on('error', () => {});

port.on('message', (req: Request) => {
  void answer(req).then((reply) => {
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    if (req.close) port.close();
  });
});

async function answer(req: Request): Promise<{ rows?: unknown[]; error?: string; code?: string }> {
  try {
    await connected;
    if (req.close) {
      await client.end();
      return {};
    }
    const result = await client.query({ text: req.sql!, values: req.params ?? [] });
    return { rows: result.rows };
  } catch (err) {
    const e = err as { message?: string; code?: string };
    return { error: e.message ?? String(err), code: e.code };
  }
}
