import fs from 'node:fs';
import path from 'node:path';
import { HOST_RECORD_FILE, decodeCanonicalNode } from './prosody-paths.js';

/**
 * What a path given as the data dir is, looked at without writing: a folder (maybe one host's
 * folder inside the real data dir), nothing yet (and whether its parent is there to create it
 * in), or something else (a regular file…).
 */
export type DataDirShape =
  | { readonly kind: 'folder'; readonly hostFolderOf?: string }
  | { readonly kind: 'missing'; readonly parent: string; readonly parentIsFolder: boolean }
  | { readonly kind: 'not-a-folder' };

export function dataDirShape(dir: string): DataDirShape {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    const parent = path.dirname(path.resolve(dir));
    let parentIsFolder = false;
    try {
      parentIsFolder = fs.statSync(parent).isDirectory();
    } catch {
      // no parent either
    }
    return { kind: 'missing', parent, parentIsFolder };
  }
  if (!st.isDirectory()) return { kind: 'not-a-folder' };
  // Prosody keeps one folder per host in the data dir, named by the encoded host, holding the
  // module's host record: a data dir that looks like that is one level too deep.
  const host = decodeCanonicalNode(path.basename(path.resolve(dir)));
  if (host !== undefined && host.includes('.') && fs.existsSync(path.join(dir, HOST_RECORD_FILE))) return { kind: 'folder', hostFolderOf: host };
  return { kind: 'folder' };
}
