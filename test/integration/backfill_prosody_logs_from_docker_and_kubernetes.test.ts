import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/tree.js';
import { readStoreWithLua } from '../helpers/lua-dat-reader.js';
import { MODULE_README_PATTERNS } from '../helpers/module-config.js';

/**
 * An operator whose Prosody runs in Docker, Podman or Kubernetes points the tool at the runtime's
 * log files (no --format): real captures of Prosody 13.0.1 with mod_monthly_visitors, and the
 * derived debug-level sets (rotated, gzipped, lines cut by the runtime).
 */
const C = fixture('containers-prosody-13.0');
const MMDB = join(C, 'test-GeoIP2-City.mmdb');
const DOCKER_ID = '4fb6c0ccd635086253791298b577d16d2299ff63251d47d727cfaa97383d995b';
/** What the real module stored during the capture (`store.json`, read from its data dir). */
const MODULE_STORE = JSON.parse(readFileSync(join(C, 'docker-json-file-tty-info', 'store.json'), 'utf8'));

function backfill(...inputs: string[]) {
  const data = join(tempDir(), 'data');
  const r = runCli(['backfill', '--json', '--verbose', '--data-dir', data, '--mmdb', MMDB, ...MODULE_README_PATTERNS, '--timezone', 'UTC', ...inputs]);
  assert.equal(r.code, 0, r.stderr);
  return { data, summary: JSON.parse(r.stdout), stderr: r.stderr, store: readStoreWithLua(data) };
}

/** Key order does not matter: the store as sorted JSON. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
}

for (const [name, input, format] of [
  ['Docker json-file rotated with compress=true', join(C, 'derived', 'docker-json-file-debug-rotated'), 'prosody-docker-json'],
  ['docker logs -t', join(C, 'derived', 'docker-logs-t-debug.txt'), 'prosody-docker-logs'],
  ['Kubernetes CRI with kubelet rotation', join(C, 'derived', 'cri-debug-kubelet-rotated'), 'prosody-cri'],
] as const) {
  test(`debug-level Prosody in ${name}: the store is what the module stored`, () => {
    const r = backfill(input);
    assert.ok(r.summary.inputs.every((i: { format: string }) => i.format === format), r.stderr);
    assert.deepEqual([r.summary.logins, r.summary.counted, r.summary.alreadyCounted, r.summary.unparsable], [10, 9, 1, 0]);
    assert.equal(canonical(r.store), canonical(MODULE_STORE));
  });
}

/**
 * Info level (what the real captures logged): a login is an authentication, so the users differ
 * from the module's by design (SPEC §4). Hand-checked against manifest.json: of the Docker run's 16
 * attempts, 13 authenticated (seq 2-4, 6-12, 14-16: 12 users, alice@example.com twice).
 */
test("info-level Prosody in Docker's json-file (real capture, docker run -t): 13 logins of 12 users", () => {
  for (const input of [join(C, 'docker-json-file-tty-info', `${DOCKER_ID}-json.log`), join(C, 'docker-json-file-tty-info', 'docker-logs-t.txt')]) {
    const r = backfill(input);
    assert.deepEqual([r.summary.lines, r.summary.logins, r.summary.counted, r.summary.unparsable], [110, 13, 12, 0]);
    assert.deepEqual(Object.keys(r.store['example.com'].last_recorded).sort(), ['alice', 'bob.smith', 'carol-x', 'dave_1', 'frank', 'grace', 'ivan', 'émile']);
    assert.deepEqual(Object.keys(r.store['chat.example.org'].last_recorded).sort(), ['alice', 'bob.smith', 'carol-x', 'heidi']);
  }
});

test('info-level Prosody in Podman k8s-file truncated by max-size (real capture): only the retained sessions count', () => {
  // manifest.json: the file kept the last 43 of 110 lines; of the authentications only seq 14-16
  // (alice, bob.smith, carol-x @chat.example.org) kept their `Authenticated as` line.
  const ctr = join(C, 'podman-k8s-file-info-truncated', 'ctr.log');
  const r = backfill(ctr);
  assert.deepEqual([r.summary.lines, r.summary.logins, r.summary.counted, r.summary.unparsable], [43, 3, 3, 0]);
  assert.deepEqual(Object.keys(r.store), ['chat.example.org']);
  assert.deepEqual(Object.keys(r.store['chat.example.org'].last_recorded).sort(), ['alice', 'bob.smith', 'carol-x']);
  // The login's time is the runtime's (UTC) time of the `Authenticated as` line, to the ms.
  const events = runCli(['events', '--timezone', 'UTC', ctr]);
  assert.equal(events.code, 0, events.stderr);
  const times = events.stdout.trim().split('\n').map((l) => JSON.parse(l).time);
  assert.deepEqual(times, ['2026-12-06T00:03:36.166+00:00', '2026-12-06T00:03:39.422+00:00', '2026-12-06T00:03:39.676+00:00']);
});

test("debug-level Prosody 0.12 in Podman (real capture): the same store as the same process's file sink", () => {
  const P = fixture('containers-prosody-0.12-podman');
  const viaFileSink = join(tempDir(), 'data');
  const reference = runCli([
    'backfill', '--json', '--data-dir', viaFileSink, '--mmdb', MMDB, ...MODULE_README_PATTERNS,
    '--timezone', 'UTC', '--year', '2026', join(P, 'prosody.file-sink.debug.log'),
  ]);
  assert.equal(reference.code, 0, reference.stderr);
  const fileSink = JSON.parse(reference.stdout);
  assert.deepEqual([fileSink.logins, fileSink.counted], [6, 4]); // manifest.json: 6 bound sessions of 4 users
  for (const input of [join(P, 'ctr.log'), join(P, 'podman-logs-t.txt')]) {
    const r = backfill(input);
    // Prosody's "unable to find lua-unbound" banner on stdout (13 lines, 4 of them empty) is no
    // log line: its 9 non-empty lines are counted as unparsable and skipped.
    assert.deepEqual([r.summary.logins, r.summary.counted, r.summary.unparsable], [6, 4, 9], r.stderr);
    assert.equal(canonical(r.store), canonical(readStoreWithLua(viaFileSink)));
  }
});
