import type { LoginEvent } from '../core/login-event.js';
import type { LoginStream } from './login-stream.js';

/**
 * Several inputs as one stream in time order: a k-way merge that reads each input a chunk at a
 * time, so inputs in any order give what one concatenated, ordered log gives (SPEC §4). Ties keep
 * the order the inputs were given in.
 */
export async function* mergeByTime(streams: readonly LoginStream[]): AsyncGenerator<LoginEvent> {
  if (streams.length === 1) {
    for (let batch = await streams[0].next(); batch !== null; batch = await streams[0].next()) yield* batch;
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
  while (live.size > 0) {
    let best = -1;
    for (const i of live) {
      if (best < 0 || queues[i][heads[i]].time < queues[best][heads[best]].time) best = i;
    }
    yield queues[best][heads[best]++];
    await fill(best);
  }
}
