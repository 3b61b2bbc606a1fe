/**
 * Memory stays bounded whatever a log holds (SPEC §4, §11): a flood of connections that never
 * authenticate, or authenticate and never bind, and a flood of distinct resources. Bounds are
 * checked by counting tracked entries (not RSS), and a real login after the flood still counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginEvent } from '../../src/core/login-event.js';
import type { LineParser, LogFormat } from '../../src/sources/log-format.js';
import { prosodyFileFormat } from '../../src/sources/prosody/prosody-file-format.js';
import { MAX_OPEN_SESSIONS } from '../../src/sources/prosody/prosody-sessions.js';
import { ejabberdFormat, MAX_OPEN_SESSIONS as EJABBERD_MAX } from '../../src/sources/ejabberd/ejabberd-format.js';
import { regexFormat } from '../../src/sources/custom/regex-format.js';
import { ClientClassifier } from '../../src/core/client-classifier.js';
import { LuaPattern } from '../../src/core/lua-pattern/index.js';
import { TimeZone } from '../../src/time/zone.js';

const FLOOD = MAX_OPEN_SESSIONS + 10_000;

function parserOf(format: LogFormat, events: LoginEvent[]): LineParser {
  return format.createParser(
    { label: 'flood.log', emit: (e) => events.push(e), notice: () => {} },
    { zone: TimeZone.of('UTC'), monthZone: null, referenceMs: Date.UTC(2026, 10, 25) },
  );
}

function feed(parser: LineParser, line: string, lineNo: number): void {
  const b = Buffer.from(line, 'utf8');
  parser.line(b, 0, b.length, lineNo);
}

/** The parser's map of open sessions (private state; this test is about its size). */
function openSessions(parser: LineParser): number {
  const p = parser as unknown as { sessions?: { open: Map<unknown, unknown> }; open?: Map<unknown, unknown> };
  return (p.sessions?.open ?? p.open)!.size;
}

test('Prosody: connections that never authenticate, or authenticate and never bind, stay capped', () => {
  for (const auth of [false, true]) {
    const events: LoginEvent[] = [];
    const parser = parserOf(prosodyFileFormat, events);
    feed(parser, 'Sep 03 09:00:00 c2s0\tdebug\tdebug level seen', 0);
    for (let i = 1; i <= FLOOD; i++) {
      feed(parser, `Sep 03 09:00:00 c2s${i}\tinfo\tClient connected`, i);
      if (auth) feed(parser, `Sep 03 09:00:00 c2s${i}\tinfo\tAuthenticated as u${i}@example.com`, i);
    }
    assert.equal(openSessions(parser), MAX_OPEN_SESSIONS);
    feed(parser, 'Sep 03 09:00:01 c2sreal\tinfo\tClient connected', FLOOD + 1);
    feed(parser, 'Sep 03 09:00:01 c2sreal\tdebug\tResource bound: alice@example.com/Gajim', FLOOD + 2);
    assert.equal(events.length, 1, 'a login after the flood still counts');
    parser.end();
    assert.equal(openSessions(parser), 0);
  }
});

test('ejabberd: accepted connections, and authentications without an accepted connection, stay capped', () => {
  const stamp = '2026-11-25 12:24:14.322405+00:00 [info]';
  for (const kind of ['accepted', 'auth-only']) {
    const events: LoginEvent[] = [];
    const parser = parserOf(ejabberdFormat, events);
    for (let i = 1; i <= FLOOD; i++) {
      const pid = `<0.${i}.0>`;
      feed(
        parser,
        kind === 'accepted'
          ? `${stamp} <0.500.0>@ejabberd_listener:accept/7:329 (${pid}) Accepted connection 10.0.0.1:4000 -> 127.0.0.1:5222`
          : `${stamp} ${pid}@ejabberd_c2s:handle_auth_success/4:425 (tcp|${pid}) Accepted c2s PLAIN authentication for u${i}@example.com by mnesia backend from 10.0.0.1`,
        i,
      );
    }
    assert.ok(openSessions(parser) <= EJABBERD_MAX, `${kind}: ${openSessions(parser)} open sessions`);
    feed(parser, `${stamp} <0.9.1>@ejabberd_c2s:handle_auth_success/4:425 (tcp|<0.9.1>) Opened c2s session for alice@example.com/Gajim`, FLOOD + 1);
    assert.equal(events.length, 1);
  }
});

test('custom --line-regex: addresses of sessions that never log in stay capped', () => {
  const events: LoginEvent[] = [];
  const parser = parserOf(regexFormat('^(?<time>\\S+) (?<session>\\S+) (?:login (?<jid>\\S+)|from (?<ip>\\S+))$'), events);
  for (let i = 1; i <= FLOOD; i++) feed(parser, `2026-09-03T09:00:00Z s${i} from 10.0.0.1`, i);
  const remembered = (parser as unknown as { sessions: Map<unknown, unknown> }).sessions.size;
  assert.ok(remembered <= 100_000, `${remembered} remembered sessions`);
});

test('a flood of distinct resources keeps the classification cache bounded', () => {
  const classifier = new ClientClassifier([{ pattern: LuaPattern.compile('^Conversations%.'), category: 'ANDROID' }]);
  const cache = (classifier as unknown as { cache: Map<string, string> }).cache;
  let largest = 0;
  for (let i = 0; i < 50_000; i++) {
    assert.equal(classifier.classify(`Conversations.${i}`), 'ANDROID');
    largest = Math.max(largest, cache.size);
  }
  assert.ok(largest <= 10_000, `cache grew to ${largest}`);
  assert.ok(largest > 0);
  // Entries are bounded in size too: a 1 MB resource (a forged line) is classified, not kept.
  cache.clear();
  assert.equal(classifier.classify(`Conversations.${'x'.repeat(1 << 20)}`), 'ANDROID');
  assert.equal(classifier.classify('Conversations.short'), 'ANDROID');
  assert.equal(cache.size, 1);
});
