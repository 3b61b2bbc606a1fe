import type { Command, Help, Option } from 'commander';

/** Help is wrapped at the terminal's width; not on a terminal (a pipe, a file), at 80 columns. */
export function helpWidth(stream: NodeJS.WriteStream = process.stdout): number {
  return stream.isTTY && stream.columns > 0 ? stream.columns : 80;
}

/**
 * An option's help text: its description, then what commander knows, said one way —
 * `(required)`, `(choices: a, b)`, `(default: 24)` — and no default where there is nothing to
 * say (`[]`, `false`) or the description says it already.
 */
export function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.mandatory) extra.push('required');
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`);
  const d: unknown = option.defaultValue;
  const meaningful = d !== undefined && d !== false && !(Array.isArray(d) && d.length === 0);
  if (meaningful && !/\(default: /.test(option.description)) extra.push(`default: ${option.defaultValueDescription ?? String(d)}`);
  return extra.length === 0 ? option.description : `${option.description} (${extra.join(', ')})`;
}

/**
 * Text after the options: paragraphs (lines that do not start with a space) are reflowed to the
 * width; indented lines (examples) are kept as written, and are written to fit 80 columns.
 */
export function wrapHelpText(text: string, width: number): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) out.push(...reflow(paragraph.join(' '), width));
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ') || /^[A-Z][\w ]{0,30}:$/.test(line)) {
      flush();
      out.push(line);
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return out.join('\n');
}

function reflow(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Adds text after a command's options, wrapped when help is printed. */
export function addHelpAfter(cmd: Command, text: string): Command {
  return cmd.addHelpText('after', () => wrapHelpText(text, helpWidth()));
}

/** `monthly-visitors prune`: how the user names the command. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's own messages (a missing required option, an unknown option…) as ours: one line,
 * `monthly-visitors: error: … (see monthly-visitors prune --help)`. Help wraps at the width, and
 * option descriptions wrap too (commander would not under 40 columns of room).
 */
export function configureHelpAndErrors(cmd: Command): void {
  cmd.configureHelp({ optionDescription, minWidthToWrap: 24 } as Partial<Help>);
  cmd.configureOutput({
    outputError: (str, write) => write(`monthly-visitors: ${str.trim().replace(/\s*\n\s*/g, ' ')} (see ${commandPath(cmd)} --help)\n`),
    getOutHelpWidth: () => helpWidth(process.stdout),
    getErrHelpWidth: () => helpWidth(process.stderr),
  });
}
