import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { StoreFormatError, StoreIoError } from '../../src/errors.js';
import {
  JOURNAL_FILE,
  applyWrites,
  commitBatch,
  decodeJournal,
  encodeJournal,
  preflight,
  readPendingJournal,
  recoverJournal,
  writeJournal,
  type BatchWrite,
} from '../../src/storage/journal.js';
import { ProsodyFileStore } from '../../src/storage/prosody-file-store.js';
import { hostRecordPath, userRecordPath } from '../../src/storage/prosody-paths.js';
import { parseHostRecord, type HostRecord } from '../../src/storage/records.js';
import { PROSODY_DATA as FIXTURE_DATA, isRoot, otherUserSkip, scratchDirs, storageModuleJs } from '../helpers/storage-fixtures.js';

const STORE_JS = storageModuleJs('prosody-file-store');
const { root: tmpRoot, freshDir } = scratchDirs('mv-storage-journal-');
/** A writable copy of the real Prosody data dir (the fixture files are read-only). */
const fixtureCopy = () => {
  const d = join(freshDir(), 'data');
  fs.cpSync(FIXTURE_DATA, d, { recursive: true });
  for (const p of walk(d)) fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o750 : 0o640);
  return d;
};
function walk(d: string): string[] {
  const out = [d];
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}
/** Every file below d → content, for before/after comparisons. */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of walk(d)) if (fs.statSync(p).isFile()) out[p.slice(d.length)] = fs.readFileSync(p, 'latin1');
  return out;
}
const read = (p: string) => fs.readFileSync(p, 'utf8');

describe('journal format', () => {
  const writes: BatchWrite[] = [
    { path: '/d/a.dat', content: Buffer.from('return {};\n') },
    { path: '/d/é/b.dat', content: Buffer.from([0, 1, 2, 255]) },
    { path: '/d/c.dat', content: null },
    { path: '/d/empty.dat', content: Buffer.alloc(0) },
  ];
  test('round trip', () => {
    assert.deepEqual(decodeJournal(encodeJournal(writes)), writes);
    assert.deepEqual(decodeJournal(encodeJournal([])), []);
  });
  test('torn or corrupt journals are detected', () => {
    const bytes = encodeJournal(writes);
    for (let len = 0; len < bytes.length; len++) assert.equal(decodeJournal(bytes.subarray(0, len)), undefined, `cut at ${len}`);
    for (let i = 0; i < bytes.length; i++) {
      const bad = Buffer.from(bytes);
      bad[i] ^= 0x40;
      assert.equal(decodeJournal(bad), undefined, `flipped byte ${i}`);
    }
    assert.equal(decodeJournal(Buffer.concat([bytes, Buffer.from('x')])), undefined);
    assert.equal(decodeJournal(Buffer.alloc(bytes.length)), undefined);
  });
});

describe('journal: commit and crash recovery', () => {
  /** A batch: overwrite one file, create one in a new folder, delete one. */
  function setup() {
    const d = freshDir();
    fs.writeFileSync(join(d, 'keep.dat'), 'old keep');
    fs.writeFileSync(join(d, 'gone.dat'), 'to delete');
    const writes: BatchWrite[] = [
      { path: join(d, 'keep.dat'), content: Buffer.from('new keep') },
      { path: join(d, 'h%2ex', 'store', 'new.dat'), content: Buffer.from('new file') },
      { path: join(d, 'gone.dat'), content: null },
    ];
    const final = { '/keep.dat': 'new keep', '/h%2ex/store/new.dat': 'new file' };
    return { d, writes, final };
  }
  test('commitBatch applies everything and leaves no journal', () => {
    const { d, writes, final } = setup();
    const stats = commitBatch(d, writes);
    assert.deepEqual([stats.written, stats.deleted, stats.durability], [2, 1, 'fsync']);
    assert.deepEqual(snapshot(d), final);
    assert.equal(fs.statSync(join(d, 'h%2ex')).mode & 0o777, 0o750);
    assert.equal(fs.statSync(join(d, 'h%2ex', 'store', 'new.dat')).mode & 0o777, 0o640);
    assert.deepEqual(commitBatch(d, []), { written: 0, deleted: 0, durability: 'none' });
  });
  test('crash after the journal is written, before anything is applied: recovery gives the final state', () => {
    const { d, writes, final } = setup();
    preflight(d, writes);
    writeJournal(d, writes);
    // -- crash --
    assert.equal(read(join(d, 'keep.dat')), 'old keep');
    assert.equal(readPendingJournal(d).state, 'complete');
    assert.deepEqual(recoverJournal(d), { state: 'replayed', files: 3 });
    assert.deepEqual(snapshot(d), final);
    assert.deepEqual(recoverJournal(d), { state: 'none', files: 0 });
  });
  test('crash in the middle of applying (one file done, a scratch file left): recovery is idempotent', () => {
    const { d, writes, final } = setup();
    writeJournal(d, writes);
    applyWrites(d, writes.slice(0, 1));
    fs.writeFileSync(join(d, 'gone.dat~'), 'half written');
    assert.deepEqual(recoverJournal(d).state, 'replayed');
    assert.deepEqual(snapshot(d), final);
  });
  test('crash after applying, before the journal was removed: replay changes nothing', () => {
    const { d, writes, final } = setup();
    writeJournal(d, writes);
    applyWrites(d, writes);
    assert.deepEqual(recoverJournal(d).state, 'replayed');
    assert.deepEqual(snapshot(d), final);
  });
  test('a torn journal (crash while writing it) is ignored and removed; the old files stay', () => {
    const { d, writes } = setup();
    const before = snapshot(d);
    writeJournal(d, writes);
    const jp = join(d, JOURNAL_FILE);
    fs.truncateSync(jp, fs.statSync(jp).size - 5);
    assert.equal(readPendingJournal(d).state, 'torn');
    assert.deepEqual(recoverJournal(d), { state: 'torn', files: 0 });
    assert.ok(!fs.existsSync(jp));
    assert.deepEqual(snapshot(d), before);
  });
  test('commitBatch first finishes a pending batch', () => {
    const { d, writes } = setup();
    writeJournal(d, writes);
    commitBatch(d, [{ path: join(d, 'other.dat'), content: Buffer.from('o') }]);
    assert.deepEqual(snapshot(d), { '/keep.dat': 'new keep', '/h%2ex/store/new.dat': 'new file', '/other.dat': 'o' });
  });
  test('a batch that cannot be applied fails before anything is written', () => {
    const { d, writes } = setup();
    fs.symlinkSync(join(d, 'keep.dat'), join(d, 'link.dat'));
    const before = snapshot(d);
    assert.throws(() => commitBatch(d, [...writes, { path: join(d, 'link.dat'), content: Buffer.from('x') }]), /link\.dat: is a symbolic link/);
    assert.deepEqual(snapshot(d), before);
    assert.ok(!fs.existsSync(join(d, JOURNAL_FILE)));
  });
  test('batches larger than the window of open files are all written, durable or not', () => {
    const d = freshDir();
    const many = (k: number, tag: string) => Array.from({ length: k }, (_, i) => ({ path: join(d, 'u', `${tag}${i}.dat`), content: Buffer.from(`${tag}${i}`) }));
    assert.equal(commitBatch(d, many(600, 'a')).durability, 'fsync');
    assert.equal(commitBatch(d, many(300, 'b'), { durability: 'none' }).durability, 'none');
    assert.equal(fs.readdirSync(join(d, 'u')).length, 900);
    assert.equal(fs.readFileSync(join(d, 'u', 'a599.dat'), 'utf8'), 'a599');
  });
  test('a journal that is a symlink, or not ours, is refused', () => {
    const d = freshDir();
    fs.symlinkSync(join(d, 'x'), join(d, JOURNAL_FILE));
    assert.throws(() => recoverJournal(d), (e: unknown) => e instanceof StoreIoError && /is a symbolic link/.test(e.message));
    fs.unlinkSync(join(d, JOURNAL_FILE));
    writeJournal(d, [{ path: join(d, 'a'), content: Buffer.from('a') }]);
    fs.chmodSync(join(d, JOURNAL_FILE), 0o666);
    assert.throws(() => recoverJournal(d), /refusing to replay it/);
    if (isRoot) {
      fs.chmodSync(join(d, JOURNAL_FILE), 0o600);
      fs.chownSync(join(d, JOURNAL_FILE), 12345, 12345);
      assert.throws(() => recoverJournal(d), /belongs to uid 12345.*refusing to replay it/);
    }
    assert.ok(!fs.existsSync(join(d, 'a')));
  });
});

describe('ProsodyFileStore', () => {
  test('reads the real data dir', () => {
    const store = new ProsodyFileStore(FIXTURE_DATA);
    assert.deepEqual(store.listHosts(), ['chat.example.org', 'example.com']);
    assert.deepEqual(
      [...store.listUsers('example.com')],
      ['alice', 'bob.smith', 'carol-x', 'dave_1', 'grace', 'émile'].map((user) => ({ user, lastRecorded: '2026-09' })),
    );
    assert.deepEqual([...store.listUsers('chat.example.org')].map((u) => u.user), ['alice', 'bob.smith', 'carol-x', 'dave_1', 'heidi']);
    const rec = store.readHostRecord('chat.example.org');
    assert.equal(rec.get('2026-09')!.get('client-?'), 3);
    assert.equal(store.readHostRecord('chat.example.org'), rec, 'cached: the same object');
    assert.equal(store.readLastRecorded('example.com', 'émile'), '2026-09');
    assert.equal(store.readLastRecorded('example.com', 'frank'), undefined);
    assert.deepEqual(store.readHostRecord('nowhere.example'), new Map());
    assert.deepEqual([...store.listUsers('nowhere.example')], []);
    assert.deepEqual(new ProsodyFileStore(join(tmpRoot, 'missing')).listHosts(), []);
  });
  test('only folders and files Prosody could have written are listed', () => {
    const d = fixtureCopy();
    fs.mkdirSync(join(d, 'example.com')); // not encoded: Prosody never reads it
    fs.writeFileSync(join(d, 'example.com', 'monthly%2dvisitors.dat'), 'return {};\n');
    fs.mkdirSync(join(d, 'other%2ehost')); // no monthly-visitors store
    fs.writeFileSync(join(d, 'example%2ecom', 'monthly%2dvisitors', 'Zed.dat'), 'return { ["last-recorded"] = "2026-01" };\n');
    fs.writeFileSync(join(d, 'example%2ecom', 'monthly%2dvisitors', 'x%2Ey.dat'), 'return {};\n'); // upper-case hex
    fs.writeFileSync(join(d, 'example%2ecom', 'monthly%2dvisitors', 'alice.dat~'), 'junk');
    const store = new ProsodyFileStore(d);
    assert.deepEqual(store.listHosts(), ['chat.example.org', 'example.com']);
    assert.deepEqual([...store.listUsers('example.com')].map((u) => u.user), ['Zed', 'alice', 'bob.smith', 'carol-x', 'dave_1', 'grace', 'émile']);
  });
  test('a tally-style commit: in-place update, sorted output, only changed files written', () => {
    const d = fixtureCopy();
    const store = new ProsodyFileStore(d);
    const rec = store.readHostRecord('example.com');
    rec.get('2026-09')!.set('client-IOS', 3);
    rec.get('2026-09')!.set('geo-JP-13-1850147', 1);
    const aliceBefore = fs.statSync(userRecordPath(d, 'example.com', 'alice'));
    const result = store.commit({
      hosts: new Map([['example.com', rec], ['chat.example.org', store.readHostRecord('chat.example.org')]]),
      users: new Map([['example.com', new Map([['alice', '2026-09'], ['frank', '2026-09']])]]),
    });
    assert.deepEqual(
      { written: result.written, unchanged: result.unchanged, deleted: result.deleted },
      { written: 2, unchanged: 2, deleted: 0 },
    );
    assert.deepEqual(result.files, [
      { path: hostRecordPath(d, 'example.com'), action: 'write' },
      { path: userRecordPath(d, 'example.com', 'frank'), action: 'write' },
    ]);
    // chat.example.org's file is Prosody's (unsorted) and its content is unchanged: left alone
    assert.equal(fs.readFileSync(hostRecordPath(d, 'chat.example.org'), 'latin1'), fs.readFileSync(join(FIXTURE_DATA, 'chat%2eexample%2eorg/monthly%2dvisitors.dat'), 'latin1'));
    assert.equal(fs.statSync(userRecordPath(d, 'example.com', 'alice')).mtimeMs, aliceBefore.mtimeMs);
    const text = read(hostRecordPath(d, 'example.com'));
    assert.match(text, /^return \{\n\t\["2026-09"\] = \{\n\t\t\["client-\?"\] = 1;\n\t\t\["client-ANDROID"\] = 2;\n\t\t\["client-DESKTOP"\] = 1;\n\t\t\["client-IOS"\] = 3;\n/);
    assert.match(text, /\t\t\["geo-JP-13-1850147"\] = 1;\n/);
    assert.equal(read(userRecordPath(d, 'example.com', 'frank')), 'return {\n\t["last-recorded"] = "2026-09";\n};\n');
    assert.equal(fs.statSync(userRecordPath(d, 'example.com', 'frank')).mode & 0o777, 0o640);
    assert.equal(fs.statSync(hostRecordPath(d, 'example.com')).mode & 0o777, 0o640);
    assert.ok(!fs.existsSync(join(d, JOURNAL_FILE)));
    // the same state again: nothing to write
    const again = store.commit({ hosts: new Map([['example.com', rec]]), users: new Map([['example.com', new Map([['frank', '2026-09']])]]) });
    assert.deepEqual([again.written, again.unchanged, again.deleted], [0, 2, 0]);
    // a fresh store reads what was written
    const fresh = new ProsodyFileStore(d);
    assert.deepEqual(fresh.readHostRecord('example.com'), rec);
    assert.equal(fresh.readLastRecorded('example.com', 'frank'), '2026-09');
  });
  test('a new host: folders 0750 and files 0640 (owner of the data dir / host folder when root)', () => {
    const d = join(freshDir(), 'data');
    fs.mkdirSync(d);
    if (isRoot) fs.chownSync(d, 2345, 2346);
    const store = new ProsodyFileStore(d);
    const rec: HostRecord = new Map([['2026-10', new Map([['client-IOS', 1]])]]);
    const r = store.commit({ hosts: new Map([['new.example', rec]]), users: new Map([['new.example', new Map([['ünï', '2026-10']])]]) });
    assert.equal(r.written, 2);
    for (const p of [join(d, 'new%2eexample'), join(d, 'new%2eexample', 'monthly%2dvisitors')]) {
      assert.equal(fs.statSync(p).mode & 0o777, 0o750);
      if (isRoot) assert.deepEqual([fs.statSync(p).uid, fs.statSync(p).gid], [2345, 2346]);
    }
    const userFile = join(d, 'new%2eexample', 'monthly%2dvisitors', '%c3%bcn%c3%af.dat');
    for (const p of [join(d, 'new%2eexample', 'monthly%2dvisitors.dat'), userFile]) {
      assert.equal(fs.statSync(p).mode & 0o777, 0o640);
      if (isRoot) assert.deepEqual([fs.statSync(p).uid, fs.statSync(p).gid], [2345, 2346]);
    }
    assert.deepEqual(new ProsodyFileStore(d).listHosts(), ['new.example']);
    assert.deepEqual([...new ProsodyFileStore(d).listUsers('new.example')], [{ user: 'ünï', lastRecorded: '2026-10' }]);
    // a data dir that does not exist yet is created
    const missing = join(freshDir(), 'new-data');
    new ProsodyFileStore(missing).commit({ hosts: new Map([['h', rec]]), users: new Map() });
    assert.ok(fs.existsSync(join(missing, 'h', 'monthly%2dvisitors.dat')));
  });
  test('deleting: an empty host record removes the file, a user record with other keys keeps them', () => {
    const d = fixtureCopy();
    const extraFile = userRecordPath(d, 'example.com', 'grace');
    fs.writeFileSync(extraFile, 'return { ["last-recorded"] = "2026-09", ["future-key"] = { 1, "x" } };\n');
    const store = new ProsodyFileStore(d);
    const r = store.commit({
      hosts: new Map([['chat.example.org', new Map()], ['nothing.here', new Map()]]),
      users: new Map([['example.com', new Map<string, string | null>([['alice', null], ['grace', null], ['nobody', null]])]]),
    });
    assert.deepEqual([r.written, r.unchanged, r.deleted], [1, 2, 2]);
    assert.ok(!fs.existsSync(hostRecordPath(d, 'chat.example.org')));
    assert.ok(!fs.existsSync(userRecordPath(d, 'example.com', 'alice')));
    assert.equal(read(extraFile), 'return {\n\t["future-key"] = {\n\t\t1;\n\t\t"x";\n\t};\n};\n');
    // rewriting last-recorded keeps the unknown key
    store.commit({ hosts: new Map(), users: new Map([['example.com', new Map([['grace', '2026-11']])]]) });
    assert.equal(read(extraFile), 'return {\n\t["future-key"] = {\n\t\t1;\n\t\t"x";\n\t};\n\t["last-recorded"] = "2026-11";\n};\n');
    assert.deepEqual(store.listHosts(), ['chat.example.org', 'example.com']); // chat still has its users
  });
  test('dry run writes nothing and reports what a real run would', () => {
    const d = fixtureCopy();
    const before = snapshot(d);
    const store = new ProsodyFileStore(d);
    const rec = store.readHostRecord('example.com');
    rec.set('2026-10', new Map([['client-?', 1]]));
    const changes = { hosts: new Map([['example.com', rec]]), users: new Map([['example.com', new Map([['alice', '2026-10']])]]) };
    const r = store.commit(changes, { dryRun: true });
    assert.deepEqual([r.written, r.unchanged, r.deleted], [2, 0, 0]);
    assert.deepEqual(snapshot(d), before);
    assert.ok(!fs.existsSync(join(d, JOURNAL_FILE)));
    // later batches of the same dry run count only their own changes
    assert.equal(store.commit(changes, { dryRun: true }).written, 0);
    assert.equal(store.readLastRecorded('example.com', 'alice'), '2026-10');
  });
  test('corrupt files: StoreFormatError naming the file, nothing written', () => {
    const d = fixtureCopy();
    const bad = userRecordPath(d, 'example.com', 'bob.smith');
    fs.writeFileSync(bad, 'return { ["last-recorded"] = os.date("%Y-%m") };\n');
    const hostFile = hostRecordPath(d, 'chat.example.org');
    fs.writeFileSync(hostFile, 'return { ["2026-09"] = { ["client-IOS"] = "two" } };\n');
    const before = snapshot(d);
    const store = new ProsodyFileStore(d);
    assert.throws(() => store.readLastRecorded('example.com', 'bob.smith'), (e: unknown) => e instanceof StoreFormatError && e.message === `${bad}: line 1: unexpected identifier 'os' (only Lua data is allowed)`);
    assert.throws(() => store.readHostRecord('chat.example.org'), (e: unknown) => e instanceof StoreFormatError && e.message.startsWith(`${hostFile}: month "2026-09", key "client-IOS"`));
    assert.throws(
      () => store.commit({ hosts: new Map([['example.com', new Map()]]), users: new Map([['example.com', new Map([['bob.smith', '2026-10']])]]) }),
      StoreFormatError,
    );
    assert.deepEqual(snapshot(d), before);
    assert.throws(() => [...store.listUsers('example.com')], StoreFormatError);
  });
  test('a pending journal: reads show the batch it will finish; commit replays it first', () => {
    const d = fixtureCopy();
    const newHost = new Map([['2026-10', new Map([['client-IOS', 7]])]]);
    writeJournal(d, [
      { path: hostRecordPath(d, 'j.example'), content: Buffer.from('return {\n\t["2026-10"] = {\n\t\t["client-IOS"] = 7;\n\t};\n};\n') },
      { path: userRecordPath(d, 'example.com', 'zoe'), content: Buffer.from('return {\n\t["last-recorded"] = "2026-10";\n};\n') },
      { path: userRecordPath(d, 'example.com', 'alice'), content: null },
    ]);
    const before = snapshot(d);
    const store = new ProsodyFileStore(d);
    assert.deepEqual(store.listHosts(), ['chat.example.org', 'example.com', 'j.example']);
    assert.deepEqual(store.readHostRecord('j.example'), newHost);
    assert.deepEqual([...store.listUsers('example.com')].map((u) => u.user), ['bob.smith', 'carol-x', 'dave_1', 'grace', 'zoe', 'émile']);
    assert.equal(store.readLastRecorded('example.com', 'alice'), undefined);
    assert.deepEqual(snapshot(d), before, 'reading writes nothing');
    const r = store.commit({ hosts: new Map([['j.example', store.readHostRecord('j.example')]]), users: new Map([['example.com', new Map([['zoe', '2026-10']])]]) });
    assert.deepEqual([r.written, r.unchanged], [0, 2]);
    assert.equal(r.files.length, 0);
    // nothing of ours to write, so the journal is still pending; recovery finishes it
    assert.equal(recoverJournal(d).state, 'replayed');
    assert.deepEqual(parseHostRecord(fs.readFileSync(hostRecordPath(d, 'j.example')), 'x'), newHost);
    assert.ok(!fs.existsSync(userRecordPath(d, 'example.com', 'alice')));
  });
  test('checkWritable', () => {
    const d = fixtureCopy();
    new ProsodyFileStore(d).checkWritable();
    new ProsodyFileStore(join(d, 'not', 'yet')).checkWritable();
    const file = join(freshDir(), 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => new ProsodyFileStore(file).checkWritable(), (e: unknown) => e instanceof StoreIoError && e.message === `${file}: the data dir is not a folder`);
    assert.throws(() => new ProsodyFileStore(join(file, 'sub')).checkWritable(), StoreIoError);
    const elsewhere = fixtureCopy();
    fs.symlinkSync(join(elsewhere, 'example%2ecom'), join(d, 'linked%2ehost'));
    assert.throws(() => new ProsodyFileStore(d).checkWritable(), /linked%2ehost: is a symbolic link/);
  });
  test('checkWritable as a user who may not write there', { skip: otherUserSkip }, () => {
    const d = fixtureCopy();
    const script = `import { ProsodyFileStore } from ${JSON.stringify(STORE_JS)};
      for (const dir of [${JSON.stringify(d)}, ${JSON.stringify(join(d, 'sub', 'dir'))}]) {
        try { new ProsodyFileStore(dir).checkWritable(); console.log('ok'); } catch (e) { console.log(e.name + ': ' + e.message); }
      }`;
    fs.chmodSync(d, 0o755);
    fs.chmodSync(dirname(d), 0o755);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 12345, gid: 12345, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = r.stdout.trim().split('\n');
    assert.equal(a, `StoreIoError: ${d}: the data dir is not writable (EACCES)`);
    assert.equal(b, `StoreIoError: ${join(d, 'sub', 'dir')}: the data dir does not exist and cannot be created in ${d} (EACCES)`);
  });
});
