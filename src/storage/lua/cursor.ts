import { StoreFormatError } from '../../errors.js';
import { CH_CR, CH_NL } from './chars.js';

/**
 * A position in a chunk's bytes, with the line number Lua would report there (newlines \n, \r,
 * \r\n and \n\r each count as one line). The scanners (scan-string.ts, scan-number.ts) and the
 * lexer move it forward.
 */
export class Cursor {
  pos = 0;
  line = 1;

  constructor(
    readonly src: Buffer,
    private readonly fileName: string,
  ) {}

  /** Throws the one-line `StoreFormatError`: `<file>: line <n>: <problem>`. */
  fail(line: number, problem: string): never {
    throw new StoreFormatError(`${this.fileName}: line ${line}: ${problem}`);
  }

  /** The byte at pos, or -1 at the end. */
  cur(): number {
    return this.pos < this.src.length ? this.src[this.pos]! : -1;
  }

  /** The byte `offset` bytes after pos, or -1 past the end. */
  peekAt(offset: number): number {
    const p = this.pos + offset;
    return p < this.src.length ? this.src[p]! : -1;
  }

  /** At \n or \r: skips one newline sequence (\n, \r, \n\r or \r\n) and counts the line. */
  newline(): void {
    const old = this.src[this.pos]!;
    this.pos++;
    const c = this.cur();
    if ((c === CH_NL || c === CH_CR) && c !== old) this.pos++;
    this.line++;
  }
}
