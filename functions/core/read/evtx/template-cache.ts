/**
 * Template definitions shared across chunks. Every chunk defines the templates its records use anew (libevtx format
 * document, section Template definition), so a long log parses the same few templates once per chunk. A definition's
 * bytes differ between chunks only where they hold chunk offsets: each name reference, and the link field of each name
 * written inline. A parsed definition is reused when the template GUID and size match, the bytes match everywhere
 * else, inline names are inline again, references into the definition point at the same place in it, and references
 * outside it resolve to the same names. Definitions holding template instances (whose values are chunk offsets) are not
 * shared, nor are those of chunks shorter than 64 KiB (the parser's dependency-identifier test compares with the chunk
 * length).
 */
import { Buffer } from 'node:buffer';
import { CHUNK_HEADER_SIZE, CHUNK_SIZE } from './chunk-header.ts';
import { utf16, type ChunkContext } from './chunk-context.ts';
import type { TemplateDefinition } from './binxml-tree.ts';

/** Name references met while parsing a definition: the chunk offset of each reference word and where it pointed. */
export interface NameRefs {
  at: number[];
  target: number[];
  /** A template instance inside the definition: not shareable. */
  hasInstance: boolean;
}

/** How one name reference is checked in another chunk. */
type RefCheck =
  | { kind: 'inline'; at: number }
  | { kind: 'internal'; at: number; target: number }
  | { kind: 'external'; at: number; name: string };

interface SharedTemplate {
  /** The definition body with its chunk-offset words zeroed. */
  body: Uint8Array;
  /** Body-relative positions of the 4-byte words zeroed in `body`. */
  masked: number[];
  checks: RefCheck[];
  definition: TemplateDefinition;
}

/** Shared definitions by GUID and size (the 20 bytes after the definition's link field, as latin1). */
const SHARED = new Map<string, SharedTemplate[]>();
/** Bound on the bytes of shared bodies: real logs use a few dozen templates of a few KiB; hostile ones any number. */
const MAX_SHARED_BYTES = 1 << 20;
const MAX_BUCKET = 4;
let sharedBytes = 0;
let scratch = new Uint8Array(0);

/** A collector for parseFragment. */
export function newNameRefs(): NameRefs {
  return { at: [], target: [], hasInstance: false };
}

/** The shared definition equal to the one at chunk offset `offset` (body `[offset + 24, bodyEnd)`, bounds checked), if any. */
export function sharedTemplate(ctx: ChunkContext, offset: number, bodyEnd: number): TemplateDefinition | undefined {
  if (ctx.bytes.length !== CHUNK_SIZE) return undefined;
  const bucket = SHARED.get(ctx.bytes.toString('latin1', offset + 4, offset + 24));
  if (bucket === undefined) return undefined;
  const bodyStart = offset + 24;
  for (const shared of bucket) if (matches(ctx, bodyStart, bodyEnd, shared)) return shared.definition;
  return undefined;
}

/** Offers a freshly parsed definition for sharing. */
export function shareTemplate(ctx: ChunkContext, offset: number, bodyEnd: number, refs: NameRefs, definition: TemplateDefinition): void {
  const bodyStart = offset + 24;
  const size = bodyEnd - bodyStart;
  if (ctx.bytes.length !== CHUNK_SIZE || refs.hasInstance || sharedBytes + size > MAX_SHARED_BYTES) return;
  const key = ctx.bytes.toString('latin1', offset + 4, offset + 24);
  const bucket = SHARED.get(key) ?? [];
  if (bucket.length >= MAX_BUCKET) return;
  const masked: number[] = [];
  const checks: RefCheck[] = [];
  const internal: number[] = [];
  for (let i = 0; i < refs.at.length; i++) {
    const at = refs.at[i] as number;
    const target = refs.target[i] as number;
    masked.push(at - bodyStart);
    if (target === at + 4) {
      // An inline name: its first field links the chunk's string table, a chunk offset too.
      masked.push(target - bodyStart);
      checks.push({ kind: 'inline', at: at - bodyStart });
    } else if (target >= bodyStart && target < bodyEnd) {
      checks.push({ kind: 'internal', at: at - bodyStart, target: target - bodyStart });
      internal.push(target);
    } else {
      const name = ctx.names.get(target);
      if (name === undefined) return;
      checks.push({ kind: 'external', at: at - bodyStart, name });
    }
  }
  if (masked.some((at) => at < 0 || at + 4 > size)) return;
  // A reference into the body must read only compared bytes (an inline name's link field it skips): otherwise a
  // (hostile) reference into a masked word would read bytes that may differ in the next chunk.
  for (const target of internal) {
    const end = target + 8 + 2 * ctx.view.getUint16(target + 6, true);
    if (masked.some((at) => at + bodyStart !== target && at + bodyStart < end && at + bodyStart + 4 > target + 4)) return;
  }
  const body = Uint8Array.from(ctx.bytes.subarray(bodyStart, bodyEnd));
  for (const at of masked) body.fill(0, at, at + 4);
  bucket.push({ body, masked, checks, definition });
  SHARED.set(key, bucket);
  sharedBytes += size;
}

function matches(ctx: ChunkContext, bodyStart: number, bodyEnd: number, shared: SharedTemplate): boolean {
  const size = shared.body.length;
  if (bodyEnd - bodyStart !== size) return false;
  const view = ctx.view;
  for (const check of shared.checks) {
    const at = bodyStart + check.at;
    const target = view.getUint32(at, true);
    switch (check.kind) {
      case 'inline':
        if (target !== at + 4) return false;
        break;
      case 'internal':
        if (target !== bodyStart + check.target) return false;
        break;
      case 'external':
        if (target === at + 4 || (target >= bodyStart && target < bodyEnd) || nameAt(ctx, target) !== check.name) return false;
        break;
      default: {
        const unreachable: never = check;
        return unreachable;
      }
    }
  }
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, 4096));
  scratch.set(ctx.bytes.subarray(bodyStart, bodyEnd));
  // Plain stores: a native fill per word costs more than the four bytes.
  for (const at of shared.masked) {
    scratch[at] = 0;
    scratch[at + 1] = 0;
    scratch[at + 2] = 0;
    scratch[at + 3] = 0;
  }
  return Buffer.compare(scratch.subarray(0, size), shared.body) === 0;
}

/** The name stored at chunk offset `offset` (as the parser's readName finds it), or undefined when it does not fit. */
function nameAt(ctx: ChunkContext, offset: number): string | undefined {
  if (offset < CHUNK_HEADER_SIZE || offset + 8 > ctx.bytes.length) return undefined;
  const count = ctx.view.getUint16(offset + 6, true);
  if (offset + 8 + count * 2 > ctx.bytes.length) return undefined;
  let name = ctx.names.get(offset);
  if (name === undefined) {
    name = utf16(ctx, offset + 8, count);
    ctx.names.set(offset, name);
  }
  return name;
}
