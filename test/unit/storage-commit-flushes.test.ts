import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fdatasyncAll } from '../../src/storage/flush-pool.js';
import { scratchDirs, storageModuleJs } from '../helpers/storage-fixtures.js';

const { freshDir } = scratchDirs('mv-flushes-');
const JOURNAL_JS = storageModuleJs('journal');

describe('flush pool', () => {
  for (const concurrent of [false, true]) {
    test(`fdatasync of many open files ${concurrent ? 'in the worker, concurrently' : 'one after the other'}; a descriptor that is not an open file is reported`, () => {
      const d = freshDir();
      const fds = Array.from({ length: 40 }, (_, i) => {
        const fd = fs.openSync(join(d, `f${i}`), 'w');
        fs.writeSync(fd, `content ${i}`);
        return fd;
      });
      const bad = fds[7]!;
      fs.closeSync(bad);
      const errors = fdatasyncAll(fds, { concurrent });
      assert.equal(errors.length, 40);
      // EBADF, or EINVAL when the worker's own event descriptor took the free number.
      assert.match(errors[7] ?? 'none', /^(EBADF|EINVAL)$/);
      assert.deepEqual(errors.filter((e, i) => i !== 7), Array(39).fill(null));
      for (const fd of fds) if (fd !== bad) fs.closeSync(fd);
    });
  }
});

/** The file systems whose flushes do nothing (tmpfs, ramfs), as statfs names them. */
const IN_MEMORY_FS = [0x01021994, 0x858458f6];
const inMemory = (dir: string) => IN_MEMORY_FS.includes(fs.statfsSync(dir).type);

/**
 * The syscalls of a commit, seen by strace: no `sync -f` (no process is started, no syncfs), every
 * file written is fdatasync'ed, and the folders whose entries changed are fsync'ed — on a disk. On
 * tmpfs, where those calls do nothing, the files and folders are not flushed (the journal still is).
 */
function straceCommit(t: { skip: (why: string) => void }, parent: string): void {
  if (spawnSync('strace', ['-V']).status !== 0) return t.skip('needs strace (apt-get install strace)');
  const onDisk = !inMemory(parent);
  for (const [count, label] of [
    [5, 'small'],
    [300, 'larger than a window'],
  ] as const) {
    const data = join(parent, `data-${count}`);
    fs.mkdirSync(data);
    const script = `import { commitBatch } from ${JSON.stringify(JOURNAL_JS)};
      const writes = Array.from({ length: ${count} }, (_, i) => ({ path: ${JSON.stringify(data)} + '/host/store/u' + i + '.dat', content: Buffer.from('x' + i) }));
      commitBatch(${JSON.stringify(data)}, writes);`;
    const log = join(parent, `strace-${count}.txt`);
    const r = spawnSync('strace', ['-f', '-y', '-o', log, '-e', 'trace=fsync,fdatasync,syncfs,sync,execve,clone3,vfork', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const calls = fs.readFileSync(log, 'utf8').split('\n');
    const execs = calls.filter((l) => /execve\(/.test(l));
    assert.equal(execs.length, 1, `${label}: no process started besides node itself:\n${execs.join('\n')}`);
    assert.ok(!calls.some((l) => /\b(syncfs|sync)\(/.test(l)), `${label}: no syncfs or sync`);
    const flushed = (call: string) => new Set(calls.filter((l) => l.includes(`${call}(`)).map((l) => /<([^>]*)>/.exec(l)?.[1]).filter(Boolean));
    const dataFlushed = flushed('fdatasync');
    assert.ok(dataFlushed.has(join(data, 'monthly-visitors.journal')), `${label}: the journal is flushed`);
    for (let i = 0; i < count; i++) assert.equal(dataFlushed.has(join(data, 'host', 'store', `u${i}.dat`)), onDisk, `${label}: u${i}.dat is fdatasync'ed on a disk only`);
    const dirs = flushed('fsync');
    assert.ok(dirs.has(data), `${label}: the data dir is fsync'ed (the journal's creation and removal)`);
    for (const dir of [join(data, 'host'), join(data, 'host', 'store')]) assert.equal(dirs.has(dir), onDisk, `${label}: ${dir} is fsync'ed on a disk only`);
    assert.equal(dataFlushed.size, onDisk ? count + 1 : 1, `${label}: nothing else is flushed`);
  }
}

test('a commit flushes exactly its journal, its files and their folders, never the whole file system', (t) => {
  straceCommit(t, freshDir());
});

test('on tmpfs a commit flushes only its journal: the files\' and folders\' flushes would do nothing', (t) => {
  if (!fs.existsSync('/dev/shm') || !inMemory('/dev/shm')) return t.skip('needs /dev/shm on tmpfs');
  const d = fs.mkdtempSync(join('/dev/shm', 'mv-flushes-'));
  try {
    straceCommit(t, d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
