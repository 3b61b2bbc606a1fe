/**
 * Whether a run could commit to a data dir, checked without writing anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreIoError } from '../errors.js';
import { errnoOf, ioError, isDir, readDirEntries, symlinkRefusal } from './fs-util.js';
import { HOST_RECORD_FILE, STORE_DIR_NAME, decodeCanonicalNode } from './prosody-paths.js';
import { checkDirsNoFollow } from './safe-paths.js';

/**
 * Checks, without writing, that the data dir exists (or can be created) and that it and the
 * existing host and store folders are writable folders, not symlinks.
 * @throws StoreIoError naming the path.
 */
export function checkDataDirWritable(dir: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw ioError(dir, 'examine the data dir', err);
  }
  if (st === undefined) {
    let parent = path.dirname(dir);
    while (!fs.existsSync(parent) && parent !== path.dirname(parent)) parent = path.dirname(parent);
    if (!isDir(parent)) throw new StoreIoError(`${dir}: the data dir does not exist and ${parent} is not a folder`);
    assertWritable(parent, `${dir}: the data dir does not exist and cannot be created in ${parent}`);
    return;
  }
  if (!st.isDirectory()) throw new StoreIoError(`${dir}: the data dir is not a folder`);
  assertWritable(dir, `${dir}: the data dir is not writable`);
  for (const d of readDirEntries(dir)) {
    if (decodeCanonicalNode(d.name) === undefined) continue;
    const hd = path.join(dir, d.name);
    const sd = path.join(hd, STORE_DIR_NAME);
    if (d.isSymbolicLink()) {
      // A symlinked host folder holding our store: a commit would refuse to write through it.
      if (fs.existsSync(path.join(hd, HOST_RECORD_FILE)) || fs.existsSync(sd)) {
        throw symlinkRefusal(hd);
      }
      continue;
    }
    if (!d.isDirectory()) continue;
    if (!fs.existsSync(path.join(hd, HOST_RECORD_FILE)) && !fs.existsSync(sd)) continue;
    assertWritable(hd, `${hd}: the host folder is not writable`);
    if (fs.existsSync(sd) || lstatIsLink(sd)) {
      checkDirsNoFollow(sd, dir);
      assertWritable(sd, `${sd}: the store folder is not writable`);
    }
  }
}

function lstatIsLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function assertWritable(dir: string, message: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const code = errnoOf(err);
    throw new StoreIoError(`${message}${code !== undefined ? ` (${code})` : ''}`);
  }
}
