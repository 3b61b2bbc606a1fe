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

/** The names --format takes, as --help and its errors list them. */
export function formatNamesText(): string {
  return `auto, ${FORMATS.map((f) => f.name).join(', ')}, regex (with --line-regex)`;
}

/** Lines of an input's start that detection looks at. */
export const DETECT_SAMPLE_LINES = 50;

export function formatByName(name: string): LogFormat {
  const format = FORMATS.find((f) => f.name === name);
  if (!format) {
    throw new UsageError(`--format ${name}: unknown format; known: ${formatNamesText()}`);
  }
  return format;
}

/** The format whose `detect` accepts the sample; an unknown format is a clear error. */
export function detectFormat(label: string, sample: readonly string[]): LogFormat {
  const format = FORMATS.find((f) => f.detect(sample));
  if (format) return format;
  if (sample.length === 0) return prosodyFileFormat; // empty input: nothing to misread
  throw new InputError(`${label}: unknown log format (first line: ${shortQuote(sample[0])}); use --format to name it`);
}

const QUOTE_MAX = 80;

/** A line quoted for a message, escapes and all at most QUOTE_MAX characters. */
function shortQuote(line: string): string {
  const quoted = JSON.stringify(line);
  if (quoted.length <= QUOTE_MAX) return quoted;
  let cut = QUOTE_MAX - 4;
  // Never cut inside an escape (`\u0000`, `\n`): back up to the backslash that starts it.
  const esc = quoted.lastIndexOf('\\', cut);
  if (esc > cut - 6) cut = esc;
  return `${quoted.slice(0, cut)}…"`;
}

/** Bytes looked at to tell a text log from a binary file. */
const TEXT_SAMPLE_BYTES = 64 * 1024;

/**
 * A log is text: more than a tenth of control bytes (NUL and the others but tab, line ends, form
 * feed and escape) in its first bytes means a binary file (a program, a database…) was named by
 * mistake. Executables and .mmdb files have 40 % and more; a text log with a few garbage lines
 * (counted and skipped as unparsable) far less.
 */
export function assertTextLog(label: string, first: Buffer): void {
  const n = Math.min(first.length, TEXT_SAMPLE_BYTES);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const b = first[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) controls++;
  }
  if (controls * 10 > n) throw new InputError(`${label}: does not look like a text log (it holds binary data); name the log file`);
}

const DETECT_SAMPLE_BYTES = 256 * 1024;

/** Detects the format from an input's first chunk of bytes. */
export function detectFormatOfChunk(label: string, first: Buffer): LogFormat {
  assertTextLog(label, first);
  const text = first.toString('utf8', 0, Math.min(first.length, DETECT_SAMPLE_BYTES));
  const all = text.split('\n');
  // The text after the last newline may be a line cut short (by the sample's end, or a writer
  // still writing it): judge complete lines only, when there are any.
  if (all.length > 1) all.pop();
  const lines = all.slice(0, DETECT_SAMPLE_LINES).map((l) => l.replace(/\r$/, ''));
  return detectFormat(label, lines.filter((l) => l.length > 0));
}
