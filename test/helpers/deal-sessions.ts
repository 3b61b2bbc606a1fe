/**
 * Deals a real Prosody log's sessions out to the logs of several cluster nodes, as a load balancer
 * would: every line of one c2s session (and the `New connection` line just before it) goes to one
 * node, chosen by `pick`; lines of no session go with the next session line.
 */
export function dealSessions(log: string, nodes: number, pick: (sessionId: string) => number): string[] {
  const out: string[][] = Array.from({ length: nodes }, () => []);
  const chosen = new Map<string, number>();
  let waiting: string[] = [];
  for (const line of log.split(/(?<=\n)/)) {
    const id = /^\S+ \d+ [\d:]+ (c2s[0-9a-f]+)\t/.exec(line)?.[1];
    if (id === undefined) {
      waiting.push(line);
      continue;
    }
    let node = chosen.get(id);
    if (node === undefined) chosen.set(id, (node = pick(id) % nodes));
    out[node]!.push(...waiting, line);
    waiting = [];
  }
  out[0]!.push(...waiting);
  return out.map((lines) => lines.join(''));
}
