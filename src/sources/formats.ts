import { UsageError, InputError } from '../errors.js';
import type { LogFormat } from './log-format.js';
import { prosodyFileFormat } from './prosody/prosody-file-format.js';
import { ejabberdFormat } from './ejabberd/ejabberd-format.js';
import { prosodySyslogFormat } from './prosody/prosody-syslog-format.js';
import { prosodyJournalJsonFormat } from './prosody/prosody-journal-json-format.js';
import { CONTAINER_FORMATS } from './containers/container-formats.js';

/** Every log format we read. A new format is one new file and one line here. */
export const FORMATS: readonly LogFormat[] = [
  prosodyFileFormat,
  prosodySyslogFormat,
  prosodyJournalJsonFormat,
  ejabberdFormat,
  ...CONTAINER_FORMATS,
];

/** Lines of an input's start that detection looks at. */
export const DETECT_SAMPLE_LINES = 50;

export function formatByName(name: string): LogFormat {
  const format = FORMATS.find((f) => f.name === name);
  if (!format) {
    throw new UsageError(`--format ${name}: unknown format; known: auto, ${FORMATS.map((f) => f.name).join(', ')}`);
  }
  return format;
}

/** The format whose `detect` accepts the sample; an unknown format is a clear error. */
export function detectFormat(label: string, sample: readonly string[]): LogFormat {
  const format = FORMATS.find((f) => f.detect(sample));
  if (format) return format;
  if (sample.length === 0) return prosodyFileFormat; // empty input: nothing to misread
  throw new InputError(
    `${label}: unknown log format (first line: ${JSON.stringify(sample[0].slice(0, 80))}); use --format to name it`,
  );
}

const DETECT_SAMPLE_BYTES = 256 * 1024;

/** Detects the format from an input's first chunk of bytes. */
export function detectFormatOfChunk(label: string, first: Buffer): LogFormat {
  const text = first.toString('utf8', 0, Math.min(first.length, DETECT_SAMPLE_BYTES));
  const all = text.split('\n');
  // The text after the last newline may be a line cut short (by the sample's end, or a writer
  // still writing it): judge complete lines only, when there are any.
  if (all.length > 1) all.pop();
  const lines = all.slice(0, DETECT_SAMPLE_LINES).map((l) => l.replace(/\r$/, ''));
  return detectFormat(label, lines.filter((l) => l.length > 0));
}
