/**
 * The chunk being parsed, shared by the BinXML tree parser and the value renderer: bytes, bounds checks, and
 * the per-chunk name and template caches (EVTX offsets are relative to the chunk start).
 */
import { Buffer } from 'node:buffer';
import { EvtxFormatError } from './evtx-format-error.ts';
import type { TemplateDefinition } from './binxml-tree.ts';

/** Per-chunk state: the chunk bytes and the name and template caches (offsets are chunk-relative). */
export interface ChunkContext {
  bytes: Buffer;
  view: DataView;
  /** Where the chunk starts in the file, to report file offsets. */
  fileOffset: number;
  names: Map<number, string>;
  /** A definition, the error it failed with, or null while it is being parsed (a cycle guard). */
  templates: Map<number, TemplateDefinition | EvtxFormatError | null>;
}

/** Wraps a chunk (without copying) for parsing. */
export function newChunkContext(chunk: Uint8Array, fileOffset: number): ChunkContext {
  return {
    bytes: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    fileOffset,
    names: new Map(),
    templates: new Map(),
  };
}

/** Throws unless `[pos, pos + n)` lies inside `[.., end)`. */
export function need(ctx: ChunkContext, pos: number, n: number, end: number, reading: string): void {
  if (pos + n > end || pos < 0) throw shortError(ctx, pos, n, end, reading);
}

/** True when `[pos, pos + n)` does not lie inside `[.., end)`: for hot paths whose `reading` text costs to build. */
export function outside(pos: number, n: number, end: number): boolean {
  return pos + n > end || pos < 0;
}

/** The error `need` throws. */
export function shortError(ctx: ChunkContext, pos: number, n: number, end: number, reading: string): EvtxFormatError {
  return new EvtxFormatError(ctx.fileOffset + pos, reading, `needs ${n} bytes but only ${Math.max(0, end - pos)} remain`);
}

/**
 * Buffer's own UTF-16LE decoder, which `toString('utf16le')` calls after normalising its arguments (the XML reader
 * calls latin1Slice/utf8Slice the same way). Undocumented but long-standing; @types/node does not declare it.
 */
interface Ucs2Slicer {
  ucs2Slice(start: number, end: number): string;
}

/** Decodes `count` UTF-16LE code units at chunk offset `pos` (the caller has checked the bounds). */
export function utf16(ctx: ChunkContext, pos: number, count: number): string {
  return (ctx.bytes as unknown as Ucs2Slicer).ucs2Slice(pos, pos + count * 2);
}

