/**
 * What every decoder shares: the compression names, where a decoder was when it failed, the typed errors, and slicing input
 * into small pieces for the synchronous decoders (each push's output is bounded by the slice times the worst expansion).
 */

/** How a stream was compressed. */
export type Compression = 'none' | 'gzip' | 'zstd' | 'zip';

/** Where a decoder was when it failed. */
export interface Where {
  compression: Compression;
  entry?: string;
}

/** Compressed data that cannot be decoded: corrupt, truncated, or a zip method other than stored/deflate. */
export class CorruptCompressionError extends Error {
  override readonly name = 'CorruptCompressionError';
  readonly compression: Compression;
  readonly entry: string | undefined;
  /** Compressed bytes fed to the failing decoder when the fault surfaced (within the archive entry for a nested stream). */
  readonly offset: number;

  constructor(where: Where, offset: number, problem: string, options?: { cause?: unknown }) {
    const inEntry = where.entry === undefined ? '' : ` in archive entry '${where.entry}'`;
    super(`${where.compression} data${inEntry} cannot be decoded near compressed byte ${offset}: ${problem}`, options);
    this.compression = where.compression;
    this.entry = where.entry;
    this.offset = offset;
  }
}

/** More decoded bytes than allowed (a zip bomb, or an object over the size limit). */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
  readonly compression: Compression;
  readonly entry: string | undefined;
  readonly limit: number;

  constructor(where: Where, limit: number) {
    const inEntry = where.entry === undefined ? '' : ` (at archive entry '${where.entry}')`;
    super(`decoded ${where.compression} data exceeds the ${limit}-byte limit${inEntry}`);
    this.compression = where.compression;
    this.entry = where.entry;
    this.limit = limit;
  }
}

/** Cuts a chunk into pieces of at most `size` bytes (views, no copies). */
export function* slices(chunk: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, at + size);
}
