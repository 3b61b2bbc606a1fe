/**
 * ejabberd 23.01 logs for the benchmark, made from the generated Prosody debug log: the same
 * traffic (users, sessions, addresses, resources, noise, time), rendered line by line in
 * ejabberd's `logger` format as the real captures in `fixtures/ejabberd-23.01/` show it:
 *
 *   2026-11-25 12:21:15.707404+00:00 [info] <0.334.0>@ejabberd_listener:accept/7:273 (<0.514.0>) Accepted connection 127.0.1.10:46001 -> 127.0.0.1:5222
 *   … [info] <0.514.0>@ejabberd_c2s:process_auth_result/3:272 (tcp|<0.514.0>) Accepted c2s PLAIN authentication for alice@example.com by mnesia backend from 127.0.1.10
 *   … [info] <0.514.0>@ejabberd_c2s:bind/2:450 (tcp|<0.514.0>) Opened c2s session for alice@example.com/Conversations.Ab3x
 *   … [info] <0.514.0>@ejabberd_c2s:process_terminated/2:295 (tcp|<0.514.0>) Closing c2s session for …: Stream reset by peer
 *
 * The debug log adds, as ejabberd's debug level does, every stanza (`[notice] <pid> (tcp|<pid>)
 * Received XML on stream = <<"…">>` / `Send XML on stream`), hook traces (`[debug] …Running hook …`)
 * and multi-line routing traces (an Erlang record over several indented lines). Lines for Prosody
 * noise that ejabberd has no exact counterpart for (storage, HTTP upload, s2s) are plausible
 * approximations in the same layout. The info log is the same with only info, warning and error
 * lines (ejabberd's default `loglevel: info`).
 *
 * Ground truth for the benchmark: every `Opened c2s session` is a login (with its address and
 * resource), so a replay must find as many logins as Prosody's `Resource bound` lines, and count
 * the same distinct users per month.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface EjabberdLogs {
  readonly infoPath: string;
  readonly debugPath: string;
  readonly infoBytes: number;
  readonly debugBytes: number;
  readonly infoLines: number;
  readonly debugLines: number;
  /** `Opened c2s session` lines. */
  readonly logins: number;
  /** Distinct (host, user, month) among them. */
  readonly counted: number;
  readonly seconds: number;
  readonly reused: boolean;
}

/** Bump when the output changes, so cached logs are regenerated. */
const TRANSLATOR_VERSION = 1;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LISTENER = '<0.334.0>';
const SERVER_V4 = '203.0.113.5';
const SERVER_V6 = '2001:db8:5::5';
const HOOKS = [
  'c2s_auth_result: ejabberd_c2s:process_auth_result/3',
  'c2s_post_auth_features: mod_roster:get_versioning_feature/2',
  'c2s_self_presence: mod_roster:c2s_self_presence/1',
  'roster_get: mod_roster:get_user_roster_items/2',
  'c2s_handle_recv: mod_stream_mgmt:c2s_handle_recv/3',
  'user_send_packet: mod_carboncopy:user_send_packet/1',
  'offline_message_hook: mod_offline:store_packet/1',
];

/** The `.ejabberd.{info,debug}.log` paths next to a Prosody debug log. */
export function ejabberdPathsFor(prosodyDebugPath: string): { info: string; debug: string; meta: string } {
  const base = prosodyDebugPath.replace(/\.debug\.log$/, '');
  return { info: `${base}.ejabberd-v${TRANSLATOR_VERSION}.info.log`, debug: `${base}.ejabberd-v${TRANSLATOR_VERSION}.debug.log`, meta: `${base}.ejabberd-v${TRANSLATOR_VERSION}.meta.json` };
}

/** Returns cached logs made from this Prosody log, else makes them. */
export function ensureEjabberdLogs(prosodyDebugPath: string, startYear: number, log: (s: string) => void = () => {}): EjabberdLogs {
  const p = ejabberdPathsFor(prosodyDebugPath);
  if (existsSync(p.meta)) {
    try {
      const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as EjabberdLogs;
      if (existsSync(p.info) && existsSync(p.debug) && statSync(p.info).size === meta.infoBytes && statSync(p.debug).size === meta.debugBytes) {
        return { ...meta, infoPath: p.info, debugPath: p.debug, reused: true }; // this cache's files, even if copied from elsewhere
      }
    } catch {
      // make them again
    }
  }
  log(`rendering ${prosodyDebugPath} as ejabberd info and debug logs …`);
  const result = new Translator(p.info, p.debug, startYear).run(prosodyDebugPath);
  writeFileSync(p.meta, `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

class Sink {
  private readonly buf = Buffer.allocUnsafe(8 << 20);
  private off = 0;
  private readonly fd: number;
  lines = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  put(line: string): void {
    if (this.off + line.length * 3 + 1 > this.buf.length) this.flush();
    this.off += this.buf.write(line, this.off);
    this.buf[this.off++] = 0x0a;
    this.lines++;
  }
  flush(): void {
    let at = 0;
    while (at < this.off) at += writeSync(this.fd, this.buf, at, this.off - at);
    this.off = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

interface Session {
  pid: string;
  ip: string;
  full: string | null;
}

class Translator {
  private readonly info: Sink;
  private readonly debug: Sink;
  private readonly sessions = new Map<string, Session>();
  private pendingPeer: { ip: string; port: string; v6: boolean } | null = null;
  private nextPid = 512;
  private year: number;
  private lastMonth = -1;
  private lastSecond = '';
  private sub = 0;
  private stamp = '';
  private month = '';
  private logins = 0;
  private readonly counted = new Set<string>();
  private noisePid = 0;

  constructor(
    private readonly infoPath: string,
    private readonly debugPath: string,
    startYear: number,
  ) {
    this.info = new Sink(`${infoPath}.tmp`);
    this.debug = new Sink(`${debugPath}.tmp`);
    this.year = startYear;
  }

  run(prosodyDebugPath: string): EjabberdLogs {
    const t0 = process.hrtime.bigint();
    const fd = openSync(prosodyDebugPath, 'r');
    const chunk = Buffer.allocUnsafe(4 << 20);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    try {
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        const text = carry + (n > 0 ? decoder.write(chunk.subarray(0, n)) : decoder.end());
        const lines = text.split('\n');
        carry = n > 0 ? lines.pop()! : '';
        for (const l of lines) if (l !== '') this.line(l);
        if (n <= 0) break;
      }
    } finally {
      closeSync(fd);
      this.info.close();
      this.debug.close();
    }
    renameSync(`${this.infoPath}.tmp`, this.infoPath);
    renameSync(`${this.debugPath}.tmp`, this.debugPath);
    return {
      infoPath: this.infoPath,
      debugPath: this.debugPath,
      infoBytes: statSync(this.infoPath).size,
      debugBytes: statSync(this.debugPath).size,
      infoLines: this.info.lines,
      debugLines: this.debug.lines,
      logins: this.logins,
      counted: this.counted.size,
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      reused: false,
    };
  }

  /** One Prosody line: `Mmm DD HH:MM:SS source\tlevel\tmessage`, or a TAB continuation. */
  private line(l: string): void {
    if (l.charCodeAt(0) === 9) {
      this.debug.put(`    ${l.slice(1)}`); // a traceback's lines, indented as Erlang terms are
      return;
    }
    const tab1 = l.indexOf('\t');
    const tab2 = l.indexOf('\t', tab1 + 1);
    if (tab1 < 16 || tab2 < 0) return;
    this.setTime(l);
    const src = l.slice(16, tab1);
    const level = l.slice(tab1 + 1, tab2);
    const msg = l.slice(tab2 + 1);
    if (src.startsWith('c2s')) this.c2s(src, level, msg);
    else if (src.startsWith('conn')) this.conn(msg);
    else this.noise(src, level, msg);
  }

  private setTime(l: string): void {
    const second = l.slice(0, 15);
    if (second === this.lastSecond) {
      this.sub++;
    } else {
      const month = MONTHS.indexOf(l.slice(0, 3)) + 1;
      if (this.lastMonth > 0 && month < this.lastMonth) this.year++;
      this.lastMonth = month;
      this.lastSecond = second;
      this.sub = 0;
      this.month = `${this.year}-${String(month).padStart(2, '0')}`;
    }
    const usec = String(Math.min(999_999, this.sub * 211 + 1_000)).padStart(6, '0');
    this.stamp = `${this.month}-${l.slice(4, 6).replace(' ', '0')} ${l.slice(7, 15)}.${usec}+00:00`;
  }

  private out(level: 'info' | 'warning' | 'error' | 'notice' | 'debug', rest: string): void {
    const line = `${this.stamp} [${level}] ${rest}`;
    this.debug.put(line);
    if (level === 'info' || level === 'warning' || level === 'error') this.info.put(line);
  }

  private conn(msg: string): void {
    // `New connection FD 15 (203.0.113.7, 35489, 203.0.113.5, 5222) on server …`
    const m = /^New connection FD \d+ \(([^,]+), (\d+), ([^,]+), (\d+)\)/.exec(msg);
    if (m) this.pendingPeer = { ip: m[1]!, port: m[2]!, v6: m[1]!.includes(':') };
  }

  private c2s(src: string, level: string, msg: string): void {
    if (msg.startsWith('Client connected')) {
      const peer = this.pendingPeer ?? { ip: '198.51.100.1', port: '40000', v6: false };
      this.pendingPeer = null;
      const pid = `<0.${this.nextPid}.0>`;
      this.nextPid += 2;
      this.sessions.set(src, { pid, ip: peer.ip, full: null });
      const from = peer.v6 ? `[${peer.ip}]:${peer.port}` : `${peer.ip}:${peer.port}`;
      const to = peer.v6 ? `[${SERVER_V6}]:5222` : `${SERVER_V4}:5222`;
      this.out('info', `${LISTENER}@ejabberd_listener:accept/7:273 (${pid}) Accepted connection ${from} -> ${to}`);
      return;
    }
    const s = this.sessions.get(src);
    if (s === undefined) return;
    const tag = `(tcp|${s.pid})`;
    if (msg.startsWith('Received[c2s]: ') || msg.startsWith('Sending[c2s]: ')) {
      const xml = msg.slice(msg.indexOf(': ') + 2).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      this.out('notice', `${s.pid} ${tag} ${msg.startsWith('R') ? 'Received' : 'Send'} XML on stream = <<"${xml}">>`);
    } else if (msg.startsWith('Successful authentication as ')) {
      const at = msg.indexOf(' from IP: ');
      const jid = msg.slice('Successful authentication as '.length, at < 0 ? undefined : at);
      this.out('debug', `${s.pid}@ejabberd_hooks:safe_apply/4:315 Running hook ${HOOKS[0]}`);
      this.out('info', `${s.pid}@ejabberd_c2s:process_auth_result/3:272 ${tag} Accepted c2s PLAIN authentication for ${jid} by mnesia backend from ${s.ip}`);
    } else if (msg.startsWith('Failed authentication attempt')) {
      const m = / for user (\S+)/.exec(msg);
      this.out('warning', `${s.pid}@ejabberd_c2s:process_auth_result/3:280 ${tag} Failed c2s PLAIN authentication for ${m?.[1] ?? 'unknown'} from ${s.ip}: Invalid username or password`);
    } else if (msg.startsWith('Resource bound: ')) {
      const full = msg.slice('Resource bound: '.length);
      s.full = full;
      this.out('info', `${s.pid}@ejabberd_c2s:bind/2:450 ${tag} Opened c2s session for ${full}`);
      this.logins++;
      const slash = full.indexOf('/');
      this.counted.add(`${(slash < 0 ? full : full.slice(0, slash)).toLowerCase()} ${this.month}`);
      this.route(s, full);
    } else if (msg.startsWith('Client disconnected')) {
      if (s.full !== null) this.out('info', `${s.pid}@ejabberd_c2s:process_terminated/2:295 ${tag} Closing c2s session for ${s.full}: Stream reset by peer`);
      this.sessions.delete(src);
    } else if (level === 'debug') {
      this.out('debug', `${s.pid}@ejabberd_hooks:safe_apply/4:315 Running hook ${HOOKS[msg.length % HOOKS.length]}`);
    }
  }

  /** After a bind, ejabberd's debug level traces the initial presence probe as a multi-line record. */
  private route(s: Session, full: string): void {
    const slash = full.indexOf('/');
    const [user, server] = full.slice(0, slash).split('@') as [string, string];
    const resource = full.slice(slash + 1);
    this.out('debug', `${s.pid}@ejabberd_router:do_route/1:384 Route:`);
    for (const l of [
      '#presence{id = <<>>,type = probe,lang = <<>>,',
      `          from = #jid{user = <<"${user}">>,server = <<"${server}">>,`,
      `                      resource = <<"${resource}">>,luser = <<"${user}">>,`,
      `                      lserver = <<"${server}">>,`,
      `                      lresource = <<"${resource}">>},`,
      '          to = undefined,show = undefined,status = [],priority = undefined,',
      '          sub_els = [],meta = #{}}',
    ]) {
      this.debug.put(l);
    }
  }

  /** Server noise (s2s, storage, HTTP, …): the same volume, in ejabberd's layout. */
  private noise(src: string, level: string, msg: string): void {
    const pid = `<0.${300 + (this.noisePid++ % 40)}.0>`;
    const module = src.startsWith('s2s') ? 'ejabberd_s2s_in' : src.startsWith('http') ? 'mod_http_upload' : 'ejabberd_sql';
    const text = msg.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    if (level === 'debug') {
      if (msg.startsWith('Received[') || msg.startsWith('Sending[')) this.out('notice', `${pid} (tcp|${pid}) ${msg.startsWith('R') ? 'Received' : 'Send'} XML on stream = <<"${text.slice(text.indexOf(': ') + 2)}">>`);
      else this.out('debug', `${pid}@${module}:handle_info/2:210 ${text}`);
    } else {
      this.out(level === 'warn' ? 'warning' : level === 'error' ? 'error' : 'info', `${pid}@${module}:handle_info/2:210 ${text}`);
    }
  }
}

// `node dist/bench/generate-ejabberd.js PROSODY_DEBUG_LOG YEAR`
if (process.argv[1] && /generate-ejabberd\.js$/.test(process.argv[1])) {
  const [file, year] = process.argv.slice(2);
  if (!file) throw new Error('usage: generate-ejabberd PROSODY_DEBUG_LOG [YEAR]');
  const r = ensureEjabberdLogs(file, Number(year ?? 2026), (s) => process.stderr.write(`${s}\n`));
  process.stdout.write(`${JSON.stringify(r, null, 1)}\n`);
}
