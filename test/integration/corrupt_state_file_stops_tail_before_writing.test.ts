import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, tempDir } from '../helpers/tree.js';

const P1 = fixture('prosody-0.12-p1');

for (const [what, content] of [
  ['not JSON', '{"version": 1, "inputs": {'],
  ['another version', '{"version": 2, "inputs": {}}'],
  ['an offset that is not a number', '{"version":1,"inputs":{"/x":{"file":{"dev":1,"ino":2,"gzip":false,"fingerprintBytes":0,"fingerprint":"' + '0'.repeat(64) + '"},"processedTo":"12","resumeAt":0,"format":"prosody","lastTime":null}}}'],
] as const) {
  test(`corrupt tail state (${what}): exit 1 naming the file, nothing read or written`, () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    mkdirSync(data);
    const state = join(data, 'monthly-visitors.tail-state.json');
    writeFileSync(state, content);
    copyFileSync(join(P1, 'prosody.debug.log'), join(dir, 'prosody.log'));
    const before = snapshotTree(data);
    const r = runCli(['tail', '--once', '--data-dir', data, '--mmdb', join(P1, 'test-GeoIP2-City.mmdb'), join(dir, 'prosody.log')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /monthly-visitors\.tail-state\.json: not a monthly-visitors tail state/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.deepEqual(snapshotTree(data), before);
  });
}

test('tail refuses standard input and a bad --commit-interval with exit 2', () => {
  const dir = tempDir();
  const common = ['--data-dir', join(dir, 'data'), '--mmdb', join(P1, 'test-GeoIP2-City.mmdb')];
  assert.equal(runCli(['tail', '--once', ...common, '-']).code, 2);
  assert.equal(runCli(['tail', '--once', '--commit-interval', 'soon', ...common, join(P1, 'prosody.debug.log')]).code, 2);
});
