import { UsageError } from '../errors.js';

/** What a parsed timestamp says; absent fields are unknown (Prosody's default has no year). */
export interface ParsedTime {
  year?: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Offset from UTC in ms when the timestamp carries one (`%z`). */
  offsetMs?: number;
  /** Epoch seconds (`%s`): an instant, no zone needed. */
  epochSeconds?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Field {
  regex: string;
  apply(value: string, t: ParsedTime): void;
}

const num = (set: (t: ParsedTime, n: number) => void) => (value: string, t: ParsedTime) => set(t, Number(value.trim()));

const FIELDS: Record<string, Field> = {
  Y: { regex: '\\d{4}', apply: num((t, n) => (t.year = n)) },
  y: { regex: '\\d{2}', apply: num((t, n) => (t.year = 2000 + n)) },
  m: { regex: '[ 0-1]?\\d', apply: num((t, n) => (t.month = n)) },
  d: { regex: '[ 0-3]?\\d', apply: num((t, n) => (t.day = n)) },
  e: { regex: '[ 0-3]?\\d', apply: num((t, n) => (t.day = n)) },
  H: { regex: '[ 0-2]?\\d', apply: num((t, n) => (t.hour = n)) },
  M: { regex: '[0-5]\\d', apply: num((t, n) => (t.minute = n)) },
  S: { regex: '[0-6]\\d', apply: num((t, n) => (t.second = n)) },
  // Not in C's strftime, but what logs with sub-second times need: fraction digits of any length.
  f: { regex: '\\d+', apply: (v, t) => (t.millisecond = Math.floor(Number(`0.${v}`) * 1000)) },
  b: { regex: '[A-Za-z]{3}', apply: (v, t) => (t.month = MONTHS.indexOf(v.toLowerCase()) + 1) },
  h: { regex: '[A-Za-z]{3}', apply: (v, t) => (t.month = MONTHS.indexOf(v.toLowerCase()) + 1) },
  B: { regex: '[A-Za-z]{3,9}', apply: (v, t) => (t.month = MONTHS.indexOf(v.slice(0, 3).toLowerCase()) + 1) },
  z: {
    regex: 'Z|[+-]\\d\\d:?\\d\\d',
    apply: (v, t) => {
      if (v === 'Z') t.offsetMs = 0;
      else t.offsetMs = (v[0] === '-' ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(-2))) * 60_000;
    },
  },
  s: { regex: '\\d+', apply: num((t, n) => (t.epochSeconds = n)) },
};

const ALIASES: Record<string, string> = { F: '%Y-%m-%d', T: '%H:%M:%S', D: '%m/%d/%y', R: '%H:%M' };

/**
 * A strftime format (Prosody's `timestamps` option, or `--time-format`) as a parser: a regular
 * expression that finds the timestamp at the start of a line, and a function that reads it.
 * Supported: %Y %y %m %d %e %H %M %S %b %h %B %z %s %F %T %D %R %% and %f (fraction of a second).
 */
export class TimeFormat {
  readonly regex: RegExp;
  private readonly fields: Field[];

  private constructor(
    readonly source: string,
    regex: string,
    fields: Field[],
  ) {
    this.regex = new RegExp(`^${regex}`);
    this.fields = fields;
  }

  static compile(format: string): TimeFormat {
    let expanded = format;
    for (const [k, v] of Object.entries(ALIASES)) expanded = expanded.split(`%${k}`).join(v);
    let regex = '';
    const fields: Field[] = [];
    for (let i = 0; i < expanded.length; i++) {
      const c = expanded[i];
      if (c !== '%') {
        regex += c === ' ' ? ' +' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        continue;
      }
      const spec = expanded[++i];
      if (spec === '%') {
        regex += '%';
        continue;
      }
      const field = spec === undefined ? undefined : FIELDS[spec];
      if (!field) throw new UsageError(`--time-format ${JSON.stringify(format)}: %${spec ?? ''} is not supported (use %Y %m %d %H %M %S %b %z %s %f …)`);
      regex += `(${field.regex})`;
      fields.push(field);
    }
    if (fields.length === 0) throw new UsageError(`--time-format ${JSON.stringify(format)}: has no time fields`);
    return new TimeFormat(format, regex, fields);
  }

  /** The time at the start of `text` and the length it took, or null when it is not there. */
  parse(text: string): { time: ParsedTime; length: number } | null {
    const m = this.regex.exec(text);
    if (!m) return null;
    const time: ParsedTime = { month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
    this.fields.forEach((f, i) => f.apply(m[i + 1], time));
    if (time.month < 1 || time.month > 12 || time.day < 1 || time.day > 31) return null;
    return { time, length: m[0].length };
  }
}
