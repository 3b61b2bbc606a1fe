import type { LoginEvent } from '../../src/core/login-event.js';
import type { LogFormat, TimeOptions } from '../../src/sources/log-format.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';
import { TimeZone } from '../../src/time/zone.js';

/** Runs a format's parser over text (as one chunk or in given chunk sizes) and collects what it says. */
export function parseText(
  format: LogFormat,
  text: string | Buffer,
  options: Partial<TimeOptions> & { chunkSize?: number } = {},
): { events: LoginEvent[]; notices: string[]; lines: number; unparsable: number } {
  const events: LoginEvent[] = [];
  const notices: string[] = [];
  const parser = format.createParser(
    { label: 'test.log', emit: (e) => events.push(e), notice: (key) => notices.push(key) },
    {
      zone: options.zone ?? TimeZone.of('UTC'),
      monthZone: options.monthZone ?? null,
      firstYear: options.firstYear,
      referenceMs: options.referenceMs ?? Date.UTC(2026, 10, 25),
    },
  );
  const splitter = new LineSplitter(parser);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const size = options.chunkSize ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) splitter.push(bytes.subarray(i, Math.min(bytes.length, i + size)));
  splitter.end();
  return { events, notices, lines: parser.stats.lines, unparsable: parser.stats.unparsable };
}
