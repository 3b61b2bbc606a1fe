import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { LockError, StoreIoError } from '../../src/errors.js';
import {
  NEW_DIR_MODE,
  NEW_FILE_MODE,
  checkReplaceable,
  ensureDirsNoFollow,
  removeFileNoFollow,
  writeFileAtomic,
} from '../../src/storage/atomic-write.js';
import { LOCK_FILE, acquireLock, acquireLockAsync, observe, readLockHolder, removeStale } from '../../src/storage/lock.js';
import { OTHER_GID, OTHER_UID, isRoot, otherUserSkip, scratchDirs, storageModuleJs } from '../helpers/storage-fixtures.js';

const LOCK_JS = storageModuleJs('lock');
const ATOMIC_JS = storageModuleJs('atomic-write');
const { freshDir } = scratchDirs('mv-storage-atomic-');
const mode = (p: string) => fs.statSync(p).mode & 0o7777;

describe('atomic write', () => {
  test('a new file: content, mode 0640, no scratch file left', () => {
    const d = freshDir();
    const f = join(d, 'a.dat');
    writeFileAtomic(f, Buffer.from('return {};\n'));
    assert.equal(fs.readFileSync(f, 'utf8'), 'return {};\n');
    assert.equal(mode(f), NEW_FILE_MODE);
    assert.deepEqual(fs.readdirSync(d), ['a.dat']);
    writeFileAtomic(f, Buffer.from('x'), { fsync: true });
    assert.equal(fs.readFileSync(f, 'utf8'), 'x');
  });
  test('an existing file keeps its mode', () => {
    const d = freshDir();
    const f = join(d, 'a.dat');
    fs.writeFileSync(f, 'old');
    fs.chmodSync(f, 0o604);
    const inoBefore = fs.statSync(f).ino;
    writeFileAtomic(f, Buffer.from('new'));
    assert.equal(fs.readFileSync(f, 'utf8'), 'new');
    assert.equal(mode(f), 0o604);
    assert.notEqual(fs.statSync(f).ino, inoBefore, 'replaced by rename, not rewritten in place');
  });
  test('a stale scratch file is replaced', () => {
    const d = freshDir();
    const f = join(d, 'a.dat');
    fs.writeFileSync(`${f}~`, 'stale junk');
    writeFileAtomic(f, Buffer.from('new'));
    assert.equal(fs.readFileSync(f, 'utf8'), 'new');
    assert.ok(!fs.existsSync(`${f}~`));
  });
  test('owner and group: kept for an existing file, taken from the folder for a new one (as root)', { skip: !isRoot && 'needs root' }, () => {
    const d = freshDir();
    const f = join(d, 'a.dat');
    fs.writeFileSync(f, 'old');
    fs.chownSync(f, OTHER_UID, OTHER_GID);
    fs.chmodSync(f, 0o640);
    writeFileAtomic(f, Buffer.from('new'));
    const st = fs.statSync(f);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [OTHER_UID, OTHER_GID, 0o640]);

    const owned = freshDir();
    fs.chownSync(owned, OTHER_UID + 1, OTHER_GID + 1);
    const g = join(owned, 'b.dat');
    writeFileAtomic(g, Buffer.from('x'));
    const gs = fs.statSync(g);
    assert.deepEqual([gs.uid, gs.gid, gs.mode & 0o7777], [OTHER_UID + 1, OTHER_GID + 1, NEW_FILE_MODE]);
  });
  test('new folders: 0750, owner of the parent, symlinks below the base refused', () => {
    const base = freshDir();
    if (isRoot) fs.chownSync(base, OTHER_UID, OTHER_GID);
    const created = ensureDirsNoFollow(join(base, 'h%2ex', 'store'), base);
    assert.deepEqual(created, [join(base, 'h%2ex'), join(base, 'h%2ex', 'store')]);
    for (const c of created) {
      assert.equal(mode(c), NEW_DIR_MODE);
      if (isRoot) assert.deepEqual([fs.statSync(c).uid, fs.statSync(c).gid], [OTHER_UID, OTHER_GID]);
    }
    assert.deepEqual(ensureDirsNoFollow(join(base, 'h%2ex', 'store'), base), []);
    const elsewhere = freshDir();
    fs.symlinkSync(elsewhere, join(base, 'linked'));
    assert.throws(() => ensureDirsNoFollow(join(base, 'linked', 'store'), base), (e: unknown) => e instanceof StoreIoError && /linked: is a symbolic link/.test(e.message));
    assert.deepEqual(fs.readdirSync(elsewhere), []);
    // the base itself may be a symlink (a data dir often is)
    const linkedBase = join(freshDir(), 'data');
    fs.symlinkSync(elsewhere, linkedBase);
    assert.deepEqual(ensureDirsNoFollow(join(linkedBase, 'h'), linkedBase), [join(linkedBase, 'h')]);
    // a missing base is created too
    const missing = join(freshDir(), 'a', 'b');
    assert.deepEqual(ensureDirsNoFollow(join(missing, 'h'), missing), [dirname(missing), missing, join(missing, 'h')]);
  });
  test('never writes through a symlink: target or scratch file', () => {
    const d = freshDir();
    const victim = join(d, 'victim');
    fs.writeFileSync(victim, 'precious');
    const f = join(d, 'a.dat');
    fs.symlinkSync(victim, f);
    assert.throws(() => writeFileAtomic(f, Buffer.from('evil')), (e: unknown) => e instanceof StoreIoError && e.message === `${f}: is a symbolic link; refusing to write through it`);
    assert.throws(() => checkReplaceable(f), StoreIoError);
    assert.throws(() => removeFileNoFollow(f), /refusing to remove it/);
    fs.unlinkSync(f);
    fs.symlinkSync(victim, `${f}~`);
    assert.throws(() => writeFileAtomic(f, Buffer.from('evil')), (e: unknown) => e instanceof StoreIoError && e.message.startsWith(`${f}~: is a symbolic link`));
    assert.throws(() => checkReplaceable(f), StoreIoError);
    fs.unlinkSync(`${f}~`);
    fs.symlinkSync(join(d, 'dangling'), `${f}~`);
    assert.throws(() => writeFileAtomic(f, Buffer.from('evil')), /is a symbolic link/);
    assert.ok(!fs.existsSync(join(d, 'dangling')));
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.ok(!fs.existsSync(f));
  });
  test('errors name the path', () => {
    const d = freshDir();
    assert.throws(() => writeFileAtomic(join(d, 'no', 'such', 'a.dat'), Buffer.from('x')), (e: unknown) => e instanceof StoreIoError && e.message.startsWith(join(d, 'no', 'such')) && /ENOENT/.test(e.message));
    fs.mkdirSync(join(d, 'dir.dat'));
    assert.throws(() => writeFileAtomic(join(d, 'dir.dat'), Buffer.from('x')), /dir\.dat: is not a regular file/);
    assert.equal(removeFileNoFollow(join(d, 'none.dat')), false);
  });
  test('an owner that cannot be kept is found before writing (non-root run)', { skip: otherUserSkip }, () => {
    const d = freshDir();
    fs.chmodSync(d, 0o777);
    const f = join(d, 'a.dat');
    fs.writeFileSync(f, 'root owned');
    const script = `import { checkReplaceable, writeFileAtomic } from ${JSON.stringify(ATOMIC_JS)};
      const out = [];
      for (const fn of [() => checkReplaceable(${JSON.stringify(f)}), () => writeFileAtomic(${JSON.stringify(f)}, Buffer.from('x'))]) {
        try { fn(); out.push('ok'); } catch (e) { out.push(e.name + ': ' + e.message); }
      }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: OTHER_UID, gid: OTHER_GID, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [check, write] = JSON.parse(r.stdout) as string[];
    assert.match(check!, /^StoreIoError: .*a\.dat: belongs to uid 0 gid 0; a replacement written by uid 12345 could not keep that owner/);
    assert.match(write!, /^StoreIoError: .*cannot keep owner uid 0 gid 0/);
    assert.equal(fs.readFileSync(f, 'utf8'), 'root owned');
    assert.ok(!fs.existsSync(`${f}~`));
  });
});

// ---------------------------------------------------------------------------------------------

/** Starts a child that takes the lock, prints "locked", then follows `then`. */
function lockingChild(dataDir: string, then: 'hold' | 'sigkill' | 'exit' | 'release-when-told'): Promise<ChildProcess> {
  const actions = {
    hold: 'setInterval(() => {}, 1000);',
    sigkill: "process.kill(process.pid, 'SIGKILL');",
    exit: 'process.exit(0);',
    'release-when-told': "process.stdin.once('data', () => { lock.release(); process.exit(0); });",
  };
  const script = `import { acquireLock } from ${JSON.stringify(LOCK_JS)};
    const lock = acquireLock(${JSON.stringify(dataDir)}, { wait: true, timeoutMs: 300000 });
    process.stdout.write('locked\\n');
    ${actions[then]}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: [then === 'release-when-told' ? 'pipe' : 'ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('locked')) resolve(child);
    });
    child.on('exit', (code, signal) => {
      if (!out.includes('locked')) reject(new Error(`child exited (${code ?? signal}) without locking`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });

describe('lock', () => {
  test('acquire, contention, release', () => {
    const d = freshDir();
    const lock = acquireLock(d, { wait: false });
    const p = join(d, LOCK_FILE);
    const info = JSON.parse(fs.readFileSync(p, 'utf8'));
    assert.equal(info.pid, process.pid);
    assert.equal(info.hostname, os.hostname());
    assert.ok(!Number.isNaN(Date.parse(info.started)));
    assert.throws(
      () => acquireLock(d, { wait: false }),
      (e: unknown) => e instanceof LockError && e.message === `${p}: held by pid ${process.pid} (this process) since ${info.started}; is another monthly-visitors running?`,
    );
    assert.throws(() => acquireLock(d, { wait: true, timeoutMs: 250 }), /; is another monthly-visitors running\? \(gave up after 0\.3 s\)$/);
    assert.equal(readLockHolder(d)?.pid, process.pid);
    lock.release();
    lock.release();
    assert.ok(!fs.existsSync(p));
    assert.equal(readLockHolder(d), undefined);
    acquireLock(d, { wait: false }).release();
  });
  test('a live holder in another process; taken over once it is killed', async () => {
    const d = freshDir();
    const child = await lockingChild(d, 'hold');
    try {
      assert.throws(
        () => acquireLock(d, { wait: false }),
        (e: unknown) => e instanceof LockError && new RegExp(`^${join(d, LOCK_FILE)}: held by pid ${child.pid} since \\S+; is another monthly-visitors running\\?$`).test(e.message),
      );
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
    const lock = acquireLock(d, { wait: false });
    assert.equal(JSON.parse(fs.readFileSync(join(d, LOCK_FILE), 'utf8')).pid, process.pid);
    lock.release();
  });
  test('stale lock of a process that died (SIGKILL, no cleanup) is taken over', async () => {
    const d = freshDir();
    const child = await lockingChild(d, 'sigkill');
    await exited(child);
    const left = JSON.parse(fs.readFileSync(join(d, LOCK_FILE), 'utf8'));
    assert.equal(left.pid, child.pid);
    assert.equal(readLockHolder(d)?.stale, true);
    acquireLock(d, { wait: false }).release();
  });
  test('the lock of a killed holder its parent has not reaped yet (a zombie) is taken over', async (t) => {
    if (!fs.existsSync('/proc/self/stat')) return t.skip('needs Linux /proc');
    const d = freshDir();
    // sh starts the holder in the background, then becomes `sleep`, which never reaps it: once
    // killed, the holder stays a zombie that kill(pid, 0) still finds.
    const holder = `${JSON.stringify(process.execPath)} --input-type=module -e ${JSON.stringify(
      `import { acquireLock } from ${JSON.stringify(LOCK_JS)}; acquireLock(${JSON.stringify(d)}); process.stdout.write(process.pid + '\\n'); process.kill(process.pid, 'SIGKILL');`,
    ).replace(/\$/g, '\\$')}`;
    const parent = spawn('sh', ['-c', `${holder} & exec sleep 600`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        parent.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        parent.on('exit', () => reject(new Error('parent exited early')));
      });
      let state = '';
      // Until the kernel has made it a zombie: a generous deadline that only a hang reaches.
      for (let i = 0; i < 6000 && state !== 'Z'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
      }
      assert.equal(state, 'Z', 'the holder should be a zombie now');
      process.kill(pid, 0); // still found: this is what fooled the old check
      assert.equal(readLockHolder(d)?.stale, true);
      acquireLock(d, { wait: false }).release();
    } finally {
      parent.kill('SIGKILL');
      await exited(parent);
    }
  });
  test('released on normal exit without release()', async () => {
    const d = freshDir();
    const child = await lockingChild(d, 'exit');
    await exited(child);
    assert.ok(!fs.existsSync(join(d, LOCK_FILE)));
  });
  test('waiting for a holder that releases', async () => {
    const d = freshDir();
    const child = await lockingChild(d, 'release-when-told');
    assert.throws(() => acquireLock(d, { wait: false }), LockError);
    // Waiting starts while the child holds the lock; the child is told to release it only then.
    const waiting = acquireLockAsync(d, { wait: true, timeoutMs: 300000 });
    child.stdin!.end('release\n');
    const lock = await waiting;
    await exited(child);
    lock.release();
  });
  test('stale by reboot or pid reuse; other hosts and fresh unreadable locks are respected', () => {
    const d = freshDir();
    const p = join(d, LOCK_FILE);
    const base = { pid: process.pid, hostname: os.hostname(), started: '2020-01-01T00:00:00.000Z' };
    fs.writeFileSync(p, JSON.stringify({ ...base, pidStart: '1' })); // our pid, but a process that started at tick 1
    acquireLock(d, { wait: false }).release();
    fs.writeFileSync(p, JSON.stringify({ ...base, bootId: 'not-this-boot' }));
    acquireLock(d, { wait: false }).release();
    fs.writeFileSync(p, JSON.stringify({ ...base, pid: 999999999 }));
    acquireLock(d, { wait: false }).release();
    fs.writeFileSync(p, JSON.stringify({ ...base, pid: 999999999, hostname: 'elsewhere' }));
    assert.throws(() => acquireLock(d, { wait: false }), /held by pid 999999999 on host elsewhere since 2020-01-01T00:00:00.000Z/);
    fs.writeFileSync(p, '');
    assert.throws(() => acquireLock(d, { wait: false }), /held by a process that is still writing it/);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(p, old, old);
    acquireLock(d, { wait: false }).release();
  });
  test('a missing data dir is created; errors name the path; a symlinked lock file is refused', () => {
    const d = freshDir();
    acquireLock(join(d, 'missing', 'data')).release();
    assert.equal(fs.statSync(join(d, 'missing', 'data')).mode & 0o777, NEW_DIR_MODE);
    fs.writeFileSync(join(d, 'file'), '');
    assert.throws(() => acquireLock(join(d, 'file', 'data')), (e: unknown) => e instanceof StoreIoError && e.message === `${join(d, 'file', 'data')}: cannot examine it: a path component is not a directory (ENOTDIR)`);
    fs.symlinkSync(join(d, 'elsewhere'), join(d, LOCK_FILE));
    assert.throws(() => acquireLock(d), StoreIoError);
  });
  test('a lock judged stale, then replaced by a live one on the same inode, is not removed', () => {
    // The race: we judge lock L stale; meanwhile another waiter removes L and a live holder makes
    // a new lock that the file system puts on L's freed inode. Same inode, so the inode cannot be
    // the test: rewriting L in place with a live holder's JSON gives exactly that state.
    const d = freshDir();
    const p = join(d, LOCK_FILE);
    fs.writeFileSync(p, JSON.stringify({ pid: 999999999, hostname: os.hostname(), started: 'x' }));
    const judged = observe(p)!;
    assert.equal(readLockHolder(d)?.stale, true);
    fs.writeFileSync(p, JSON.stringify({ pid: process.pid, hostname: os.hostname(), started: new Date().toISOString() }));
    assert.equal(fs.statSync(p).ino, judged.ino);
    removeStale(p, judged);
    assert.ok(fs.existsSync(p), 'the live lock was removed');
    assert.throws(() => acquireLock(d, { wait: false }), LockError);
    fs.writeFileSync(p, JSON.stringify({ pid: 999999999, hostname: os.hostname(), started: 'x' }));
    removeStale(p, observe(p)!);
    assert.ok(!fs.existsSync(p), 'a lock still stale under the guard is removed');
  });
  test('mutual exclusion: 6 processes racing for a stale lock take turns', async () => {
    const d = freshDir();
    fs.writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 999999999, hostname: os.hostname(), started: 'x' }));
    const log = join(d, 'log');
    const script = `import { acquireLock } from ${JSON.stringify(LOCK_JS)};
      import fs from 'node:fs';
      const lock = acquireLock(${JSON.stringify(d)}, { wait: true, timeoutMs: 300000 });
      fs.appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40);
      fs.appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
      lock.release();`;
    const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }));
    await Promise.all(children.map(exited));
    for (const c of children) assert.equal(c.exitCode, 0);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 12);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]!.split(' ')[1];
      assert.deepEqual([lines[i], lines[i + 1]], [`in ${pid}`, `out ${pid}`]);
    }
  });
});
