import type { ContainerWrapper, WrappedEntry } from './container-wrapper.js';
import { parseRfc3339 } from './container-wrapper.js';
import { indexOfByte } from '../bytes.js';

const SPACE = 0x20;
/** Room for the longest timestamp (`…T10:00:00.123456789+00:00`). */
const HEAD_BYTES = 40;

/**
 * The CRI log format of Kubernetes (containerd, CRI-O; `/var/log/pods/…/<container>/0.log`) and
 * of Podman's `k8s-file` driver: `<RFC 3339 time> <stream> <F|P> <text>`, the text unescaped; `P`
 * marks a piece of a line that goes on in the next entry, `F` its last piece (or a whole line).
 */
export const criLogFormat: ContainerWrapper = {
  name: 'cri',
  framing: 'Kubernetes CRI / Podman k8s-file (`2026-11-25T10:00:00.123456789Z stdout F …`)',
  unwrap(buf, start, end): WrappedEntry | null {
    const head = buf.toString('latin1', start, Math.min(end, start + HEAD_BYTES));
    const time = parseRfc3339(head);
    if (time === null || buf[start + time.length] !== SPACE) return null;
    const streamStart = start + time.length + 1;
    const streamEnd = indexOfByte(buf, SPACE, streamStart, end);
    if (streamEnd < 0 || streamEnd + 2 > end) return null;
    const tag = buf[streamEnd + 1];
    if ((tag !== 0x46 && tag !== 0x50) || (streamEnd + 2 < end && buf[streamEnd + 2] !== SPACE)) return null; // F, P
    const textStart = Math.min(end, streamEnd + 3);
    return { timeMs: time.ms, stream: buf.toString('latin1', streamStart, streamEnd), buf, start: textStart, end, partial: tag === 0x50 };
  },
};
