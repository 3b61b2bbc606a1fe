/**
 * Where Prosody's `internal` storage keeps mod_monthly_visitors' data, and how it encodes names.
 *
 * From util/datamanager.lua (Prosody 0.12.3):
 * - `encode` (line 54-56): `s:gsub("%W", ...)` → every byte that is not an ASCII letter or digit
 *   (`%w` in the C locale) becomes `%xx`, lower-case hex (`format("%%%02x", c:byte())`). Bytes of
 *   a UTF-8 string are encoded one by one: `émile` → `%c3%a9mile`, `dave_1` → `dave%5f1`.
 * - `store_encode` (lines 60-62): the same but `_` is kept (`[^_%w]`), so the store
 *   `monthly-visitors` is the folder/file name `monthly%2dvisitors`.
 * - `decode` (lines 50-52): `s:gsub("%%(%x%x)", ...)`: any `%` + two hex digits (either case) is a
 *   byte; everything else is kept as it is.
 * - `getpath` (lines 125-137): host record `data/<enc(host)>/<store_encode(store)>.dat`, user
 *   record `data/<enc(host)>/<store_encode(store)>/<enc(user)>.dat`; a nil host is `_global`
 *   (never used by this module).
 */
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { isWellFormedString } from './lua/lua-bytes.js';

/** The module's store name (`module:open_store()` in mod_monthly_visitors). */
export const STORE_NAME = 'monthly-visitors';
/** `store_encode(STORE_NAME)`: the store's folder name, and its file name without `.dat`. */
export const STORE_DIR_NAME = 'monthly%2dvisitors'; // = encodeStoreName(STORE_NAME), checked in tests
/** The host record's file name. */
export const HOST_RECORD_FILE = `${STORE_DIR_NAME}.dat`;
/** Extension of every datamanager key-value file (getpath's default `ext`). */
export const DAT_EXT = '.dat';

const HEX = '0123456789abcdef';

function isAsciiAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** `%xx` of each ASCII code. */
const ASCII_ESCAPES: readonly string[] = Array.from({ length: 0x80 }, (_, c) => `%${HEX[c >> 4]}${HEX[c & 15]}`);

/** Asked for each user of a run (twice in a commit): ASCII names, the common case, in runs without a Buffer. */
function encodeWith(s: string, keepUnderscore: boolean): string {
  let out = '';
  let run = 0; // where the current run of kept characters begins
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAsciiAlnum(c) || (keepUnderscore && c === 0x5f)) continue;
    if (c >= 0x80) return encodeBytes(s, keepUnderscore);
    out += s.slice(run, i) + ASCII_ESCAPES[c]!;
    run = i + 1;
  }
  return run === 0 ? s : out + s.slice(run);
}

/** A name with non-ASCII characters: each byte of its UTF-8. */
function encodeBytes(s: string, keepUnderscore: boolean): string {
  if (!isWellFormedString(s)) throw new TypeError('cannot encode a name with a lone UTF-16 surrogate');
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (isAsciiAlnum(b) || (keepUnderscore && b === 0x5f)) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** datamanager's `encode` for a host or user name (UTF-8 bytes). */
export function encodeNode(s: string): string {
  return encodeWith(s, false);
}

/** datamanager's `store_encode` for a store name (keeps `_`). */
export function encodeStoreName(s: string): string {
  return encodeWith(s, true);
}

/** datamanager's `decode`, to bytes: `%xx` (any case) is a byte, everything else stays as is. */
export function decodeNodeBytes(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  if (!src.includes(0x25 /* % */)) return src;
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25 && i + 2 < src.length && isHex(src[i + 1]!) && isHex(src[i + 2]!)) {
      out.push(parseInt(String.fromCharCode(src[i + 1]!, src[i + 2]!), 16));
      i += 2;
    } else out.push(c);
  }
  return Buffer.from(out);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** datamanager's `decode` of a file or folder name; `undefined` if the bytes are not UTF-8. */
export function decodeNode(s: string): string | undefined {
  const bytes = decodeNodeBytes(s);
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/**
 * The name a folder or file name stands for, if Prosody could have written it: decoding it and
 * encoding the result again gives the same name. `example.com` or `a%2Eb` are not names Prosody
 * writes (it encodes `.` as `%2e`) nor reads for any host, so they are `undefined`.
 */
export function decodeCanonicalNode(s: string): string | undefined {
  const decoded = decodeNode(s);
  if (decoded === undefined || decoded.length === 0) return undefined;
  return encodeNode(decoded) === s ? decoded : undefined;
}

function checkName(kind: string, s: string): void {
  if (typeof s !== 'string' || s.length === 0) throw new TypeError(`${kind} must be a non-empty string`);
}

/** `<dataDir>/<enc(host)>` */
export function hostDir(dataDir: string, host: string): string {
  checkName('host', host);
  return path.join(dataDir, encodeNode(host));
}

/** `<dataDir>/<enc(host)>/monthly%2dvisitors.dat` */
export function hostRecordPath(dataDir: string, host: string): string {
  return path.join(hostDir(dataDir, host), HOST_RECORD_FILE);
}

/** `<dataDir>/<enc(host)>/monthly%2dvisitors` */
export function userRecordDir(dataDir: string, host: string): string {
  return path.join(hostDir(dataDir, host), STORE_DIR_NAME);
}

/** `<dataDir>/<enc(host)>/monthly%2dvisitors/<enc(user)>.dat` */
export function userRecordPath(dataDir: string, host: string, user: string): string {
  checkName('user', user);
  return path.join(userRecordDir(dataDir, host), `${encodeNode(user)}${DAT_EXT}`);
}

/** Longest file name, in bytes, on Linux file systems (NAME_MAX of ext4, xfs, btrfs, tmpfs). */
export const NAME_MAX = 255;
/** What atomic writes add to a record's file name (`<file>~`, atomic-write.ts). */
const TMP_SUFFIX_BYTES = 1;

/**
 * Whether a host's folder and a user's record file (and its `~` while it is written) can be named
 * on disk. Prosody accepts names of up to 1023 bytes, and encoding can triple them, so a name that
 * fits in a JID may not fit in a file name; such a login is skipped and counted, never truncated
 * (a cut name could collide with another user's file).
 */
export function isStorableName(host: string, user: string): boolean {
  if (host.length === 0 || user.length === 0 || !isWellFormedString(host) || !isWellFormedString(user)) return false;
  return encodedNodeLength(host) <= NAME_MAX && encodedNodeLength(user) + DAT_EXT.length + TMP_SUFFIX_BYTES <= NAME_MAX;
}

/**
 * `encodeNode(s).length` without building the string: asked for every login, and a host name
 * always has a `.` to escape. `s` must be well-formed (no lone surrogate).
 */
export function encodedNodeLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAsciiAlnum(c)) n += 1;
    else if (c < 0x80) n += 3; // one byte, `%xx`
    else if (c < 0x800) n += 6;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 12; // a surrogate pair is one 4-byte code point
      i++;
    } else n += 9;
  }
  return n;
}
