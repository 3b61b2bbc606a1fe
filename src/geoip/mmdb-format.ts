/** The MaxMind DB format's constants (https://maxmind.github.io/MaxMind-DB/), shared by the readers. */

/** What the search tree needs from the database's metadata (as `maxmind` parsed it). */
export interface TreeShape {
  readonly nodeCount: number;
  readonly recordSize: number;
  readonly ipVersion: number;
  readonly searchTreeSize: number;
}

// MaxMind DB data types (https://maxmind.github.io/MaxMind-DB/).
export const POINTER = 1;
export const UTF8 = 2;
export const UINT16 = 5;
export const UINT32 = 6;
export const MAP = 7;
export const INT32 = 8;
export const ARRAY = 11;
export const BOOLEAN = 14;
export const DATA_SECTION_SEPARATOR = 16;
export const POINTER_BIAS = [0, 2048, 526336, 0];
