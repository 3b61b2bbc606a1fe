import { spawnSync } from 'node:child_process';

/**
 * The console examples of a Markdown page, as a reader sees them: each ```console block is a
 * sequence of `$ command` lines (a command goes on over the next lines until bash finds it
 * complete) each followed by the output shown for it.
 *
 * Conventions the pages follow (docs/development.md explains them to writers):
 * - `…` in shown output stands for any text on that line; a line that is only `…` stands for any
 *   number of lines (zero included). Nothing else varies.
 * - `<!-- example-setup: COMMAND -->` right before a block runs COMMAND first, unshown (a file the
 *   example needs that a reader would already have, such as their own prosody.cfg.lua).
 */

export interface ConsoleCommand {
  /** The command as written, continuation lines included. */
  command: string;
  /** The output shown under it (stdout and stderr as a terminal shows them, interleaved). */
  expected: string;
  /** 1-based line of the `$` in the page. */
  line: number;
}

export interface ConsoleBlock {
  line: number;
  setup: string[];
  commands: ConsoleCommand[];
}

const FENCE_OPEN = /^```console\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const SETUP = /^<!--\s*example-setup:\s*(.*?)\s*-->\s*$/;

/** True when bash can parse `text` as a whole command (no open quote, bracket or trailing `\`). */
function isCompleteCommand(text: string): boolean {
  if (/\\$/.test(text)) return false;
  return spawnSync('bash', ['-n', '-c', text], { encoding: 'utf8' }).status === 0;
}

export function consoleBlocks(markdown: string): ConsoleBlock[] {
  const lines = markdown.split('\n');
  const blocks: ConsoleBlock[] = [];
  let setup: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const setupMatch = SETUP.exec(lines[i]!);
    if (setupMatch) {
      setup.push(setupMatch[1]!);
      continue;
    }
    if (!FENCE_OPEN.test(lines[i]!)) {
      if (lines[i]!.trim() !== '') setup = [];
      continue;
    }
    const block: ConsoleBlock = { line: i + 1, setup, commands: [] };
    setup = [];
    let current: ConsoleCommand | undefined;
    let output: string[] = [];
    const finish = () => {
      if (current) current.expected = output.join('\n');
      output = [];
    };
    for (i++; i < lines.length && !FENCE_CLOSE.test(lines[i]!); i++) {
      const line = lines[i]!;
      if (line.startsWith('$ ')) {
        finish();
        let command = line.slice(2);
        const start = i + 1;
        while (!isCompleteCommand(command) && i + 1 < lines.length && !FENCE_CLOSE.test(lines[i + 1]!)) {
          command += '\n' + lines[++i];
        }
        current = { command, expected: '', line: start };
        block.commands.push(current);
      } else if (current) {
        output.push(line);
      } else {
        throw new Error(`line ${i + 1}: a console block must start with a "$ " command`);
      }
    }
    finish();
    blocks.push(block);
  }
  return blocks;
}

/** A regular expression that matches exactly the outputs `expected` stands for (see `…` above). */
export function outputPattern(expected: string): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = expected.split('\n').map((line) =>
    line === '…' ? '(?:[^\\n]*\\n)*?' : escape(line).split('…').join('[^\\n]*?') + '\\n',
  );
  return new RegExp(`^${parts.join('')}$`);
}

/** Whether `actual` (trailing newline or not) is an output the shown `expected` stands for. */
export function outputMatches(expected: string, actual: string): boolean {
  const want = expected.replace(/\n+$/, '');
  const got = actual.replace(/\n+$/, '');
  if (want === '') return got === '';
  return outputPattern(want).test(got + '\n');
}
