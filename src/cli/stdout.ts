import { once } from 'node:events';

/** Writes a line to stdout, waiting when the pipe is full so memory stays flat on big outputs. */
export async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
}
