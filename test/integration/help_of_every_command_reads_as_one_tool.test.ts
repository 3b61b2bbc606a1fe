import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run-cli.js';

// Issue 16 §7: --help wraps at 80 columns when not on a terminal, says defaults one way, marks
// required options, and offers no option where it does not apply.
const COMMANDS = ['backfill', 'tail', 'events', 'check', 'report', 'prune', 'migrate'];

function help(...command: string[]): string {
  const r = runCli([...command, '--help']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** The text of each option, from its flags to the next option (descriptions wrap over lines). */
function optionTexts(text: string): Map<string, string> {
  const options = new Map<string, string>();
  const section = text.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  let current = '';
  for (const line of section.split('\n')) {
    const m = /^ {2}(-[\w-]+(?:, --[\w-]+)?)/.exec(line);
    if (m) current = m[1]!.split(', ').at(-1)!;
    options.set(current, `${options.get(current) ?? ''} ${line.trim()}`);
  }
  return options;
}

test('help_fits_80_columns_off_a_terminal, for the program and every command', () => {
  for (const command of [[], ...COMMANDS.map((c) => [c])]) {
    for (const line of help(...command).split('\n')) assert.ok([...line].length <= 80, `${command.join(' ') || 'monthly-visitors'}: ${line}`);
  }
});

test('help_says_defaults_one_way_and_marks_required_options', () => {
  for (const command of COMMANDS) {
    const text = help(command);
    assert.doesNotMatch(text, /default: \[\]/, command);
    assert.doesNotMatch(text, /default: "/, `${command}: defaults without quotes`);
    for (const [flag, description] of optionTexts(text)) {
      assert.ok((description.match(/\(default: /g) ?? []).length <= 1, `${command} ${flag}: one default: ${description}`);
    }
  }
  assert.match(optionTexts(help('tail')).get('--commit-interval') ?? '', /\(default: 10\)/);
  assert.match(optionTexts(help('backfill')).get('--max-gap') ?? '', /\(default: 24\)/);
  assert.match(optionTexts(help('prune')).get('--keep-months') ?? '', /\(required\)/);
  assert.match(optionTexts(help('migrate')).get('--from') ?? '', /\(required\)/);
});

test('help_offers_options_only_where_they_apply', () => {
  for (const command of ['prune', 'migrate']) assert.ok(!optionTexts(help(command)).has('--verbose'), `${command} -v`);
  assert.ok(!optionTexts(help('migrate')).has('--storage'));
  assert.doesNotMatch(optionTexts(help('events')).get('--quiet') ?? '', /cron/);
  // --format lists what --format takes, and its error lists the same.
  const formats = /log format: ([^(]*\(with --line-regex\))/.exec(optionTexts(help('backfill')).get('--format') ?? '')?.[1]?.replace(/\s+/g, ' ');
  assert.equal(formats, 'auto, prosody, prosody-syslog, prosody-journal-json, ejabberd, prosody-docker-json, ejabberd-docker-json, prosody-docker-logs, ejabberd-docker-logs, prosody-cri, ejabberd-cri, regex (with --line-regex)');
  const wrong = runCli(['backfill', '--format', 'nginx', '-']);
  assert.equal(wrong.code, 2);
  assert.equal(wrong.stderr, `monthly-visitors: --format nginx: unknown format; known: ${formats}\n`);
});

test('top_level_help_says_where_to_start, with one example', () => {
  const text = help();
  assert.match(text, /Start with: monthly-visitors backfill --help/);
  assert.match(text, /Example:\n {2}\$ monthly-visitors backfill --data-dir \/var\/lib\/prosody \\\n/);
});
