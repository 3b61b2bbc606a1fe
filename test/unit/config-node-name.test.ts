import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCountingConfig } from '../../src/config/load-settings.js';
import { describeConfig } from '../../src/config/describe-config.js';
import type { RunConfig } from '../../src/config/run-config.js';
import { tempDir } from '../helpers/tree.js';

test('node_name in our config file names the cluster node; check says where it came from', () => {
  const file = join(tempDir(), 'monthly-visitors.json');
  writeFileSync(file, JSON.stringify({ node_name: 'xmpp2', state: 'xmpp2.json' }));
  const config = loadCountingConfig({ clientPattern: [], config: file }, {});
  assert.equal(config.nodeName, 'xmpp2');
  const described = describeConfig(config as unknown as RunConfig);
  assert.ok(described.lines.includes(`node name: xmpp2 (${file})`), described.lines.join('\n'));
});

test('node_name must be a string', () => {
  const file = join(tempDir(), 'monthly-visitors.lua');
  writeFileSync(file, 'node_name = 2\n');
  assert.throws(() => loadCountingConfig({ clientPattern: [], config: file }, {}), /node_name must be a string, not a number/);
});
