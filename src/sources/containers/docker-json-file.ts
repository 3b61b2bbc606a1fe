import type { ContainerWrapper, WrappedEntry } from './container-wrapper.js';
import { parseRfc3339 } from './container-wrapper.js';

interface DockerEntry {
  log?: unknown;
  stream?: unknown;
  time?: unknown;
}

const LF = '\n';

/**
 * Docker's `json-file` log driver (`/var/lib/docker/containers/<id>/<id>-json.log`): one JSON
 * object per line, `{"log":"<line>\n","stream":"stdout","time":"2026-12-06T00:02:46.46030795Z"}`.
 * A line longer than 16 KiB is cut into several entries; only the last one ends with `\n`.
 */
export const dockerJsonFile: ContainerWrapper = {
  name: 'docker-json',
  framing: "Docker's json-file driver (`{\"log\":\"…\\n\",\"stream\":\"stdout\",\"time\":\"…Z\"}`)",
  unwrap(buf, start, end): WrappedEntry | null {
    if (buf[start] !== 0x7b) return null; // `{`
    let entry: DockerEntry;
    try {
      entry = JSON.parse(buf.toString('utf8', start, end)) as DockerEntry;
    } catch {
      return null;
    }
    if (typeof entry !== 'object' || entry === null || typeof entry.log !== 'string' || typeof entry.time !== 'string') return null;
    const time = parseRfc3339(entry.time);
    if (time === null) return null;
    const partial = !entry.log.endsWith(LF);
    const text = Buffer.from(partial ? entry.log : entry.log.slice(0, -1), 'utf8');
    return { timeMs: time.ms, stream: typeof entry.stream === 'string' ? entry.stream : '', buf: text, start: 0, end: text.length, partial };
  },
};
