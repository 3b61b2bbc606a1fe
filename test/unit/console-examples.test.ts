import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleBlocks, outputMatches } from '../helpers/console-examples.js';

test('a console block splits into commands, continuation lines and shown output', () => {
  const md = [
    'text',
    '<!-- example-setup: touch x -->',
    '```console',
    '$ echo a \\',
    '    b',
    'a b',
    '$ P=(--one',
    '     --two)',
    '$ cat x',
    '```',
  ].join('\n');
  const [block] = consoleBlocks(md);
  assert.deepEqual(block!.setup, ['touch x']);
  assert.deepEqual(
    block!.commands.map((c) => [c.command, c.expected, c.line]),
    [
      ['echo a \\\n    b', 'a b', 4],
      ['P=(--one\n     --two)', '', 7],
      ['cat x', '', 9],
    ],
  );
});

test('shown output matches exactly, with … for any text on a line and a lone … for any lines', () => {
  assert.ok(outputMatches('a\nb', 'a\nb\n'));
  assert.ok(!outputMatches('a\nb', 'a\nb\nc'));
  assert.ok(!outputMatches('a', 'a b'));
  assert.ok(outputMatches('{"x":1,…,"z":3}', '{"x":1,"y":2,"z":3}'));
  assert.ok(!outputMatches('{"x":1,…,"z":3}', '{"x":1,"y":2}\n"z":3}'));
  assert.ok(outputMatches('first\n…\nlast', 'first\nlast'));
  assert.ok(outputMatches('first\n…\nlast', 'first\n1\n2\nlast'));
  assert.ok(!outputMatches('first\n…\nlast', 'first\n1\n2\nlast\nmore'));
  assert.ok(outputMatches('', ''));
  assert.ok(!outputMatches('', 'something'));
  assert.ok(outputMatches('a.b (c)*', 'a.b (c)*'));
  assert.ok(!outputMatches('a.b', 'axb'));
});
