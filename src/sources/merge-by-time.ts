import type { LoginEvent } from '../core/login-event.js';

/** A log read as batches of logins in log order, null at its end (`LoginStream`, or one read on a worker). */
export interface LoginBatches {
  next(): Promise<LoginEvent[] | null>;
}

/**
 * Several inputs as one stream in time order: a k-way merge that reads each input a chunk at a
 * time, so inputs in any order give what one concatenated, ordered log gives (SPEC §4). Ties keep
 * the order the inputs were given in.
 *
 * Yields batches, not single events: every `yield` of an async generator is a promise round trip,
 * and per login that cost as much as counting the login. A batch ends when an input has to be
 * read again, so at most a chunk's worth of events per input is held.
 */
export async function* mergeByTime(streams: readonly LoginBatches[]): AsyncGenerator<LoginEvent[]> {
  if (streams.length === 1) {
    for (let batch = await streams[0].next(); batch !== null; batch = await streams[0].next()) {
      if (batch.length > 0) yield batch;
    }
    return;
  }
  const queues: LoginEvent[][] = streams.map(() => []);
  const heads: number[] = streams.map(() => 0);
  const live = new Set(streams.map((_, i) => i));

  // Make sure every live input has an event at its head (or is finished).
  const fill = async (i: number) => {
    while (heads[i] >= queues[i].length) {
      const batch = await streams[i].next();
      if (batch === null) {
        live.delete(i);
        return;
      }
      queues[i] = batch;
      heads[i] = 0;
    }
  };
  await Promise.all([...live].map(fill));
  let out: LoginEvent[] = [];
  while (live.size > 0) {
    let best = -1;
    for (const i of live) {
      if (best < 0 || queues[i][heads[i]].time < queues[best][heads[best]].time) best = i;
    }
    out.push(queues[best][heads[best]++]);
    if (heads[best] >= queues[best].length) {
      yield out;
      out = [];
      await fill(best);
    }
  }
  if (out.length > 0) yield out;
}

/** The events of a batched stream one by one (for consumers that are not on the hot path). */
export async function* eachEvent(batches: AsyncIterable<LoginEvent[]>): AsyncGenerator<LoginEvent> {
  for await (const batch of batches) yield* batch;
}
