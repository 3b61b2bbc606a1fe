/**
 * `--output <file>`: the whole report replaces the file at once — written to a temporary file in the
 * same folder, flushed, renamed over the target — so node_exporter's textfile collector (or a web
 * server) never reads half a file. The temporary name starts with `.` and does not end in `.prom`,
 * so the collector ignores it. Unlike the store's atomic writes (storage/atomic-write.ts) this is
 * a file of the operator's own: it gets the umask's mode and our owner, not Prosody's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreIoError } from '../errors.js';
import { describeFsError } from '../sources/log-input.js';

export function writeOutputAtomically(file: string, content: string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let step = 'create a temporary file beside it';
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o666);
    try {
      step = 'write it';
      fs.writeFileSync(fd, content);
      step = 'flush it to disk';
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    step = 'rename the temporary file over it';
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new StoreIoError(`${file}: cannot ${step}: ${describeFsError(err)}`);
  }
}
