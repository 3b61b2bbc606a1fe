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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A log's lines with the UTC instant each was written at (Prosody's `Mon DD HH:MM:SS`; a line
 * without a time, e.g. a traceback's, goes with the line before). Years count up from `firstYear`
 * when the month goes back (December → January), as a server's log does.
 */
export function timedLines(log: string, firstYear: number): Array<{ time: number; text: string }> {
  const out: Array<{ time: number; text: string }> = [];
  let year = firstYear;
  let lastMonth = -1;
  let time = -Infinity;
  for (const text of log.split(/(?<=\n)/)) {
    const m = /^([A-Z][a-z]{2}) (\d\d) (\d\d):(\d\d):(\d\d) /.exec(text);
    if (m !== null) {
      const month = MONTHS.indexOf(m[1]!);
      if (month < lastMonth) year++;
      lastMonth = month;
      time = Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
    }
    out.push({ time, text });
  }
  return out;
}
