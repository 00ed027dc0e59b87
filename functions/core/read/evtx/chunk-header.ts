/**
 * The 512-byte header of a 64 KiB EVTX chunk: record range, free-space offset, both CRC32 checksums, and the
 * common-string (64 buckets) and template (32 buckets) hash tables (libevtx format document, section Chunk).
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { EvtxFormatError } from './evtx-format-error.ts';
import { latin1 } from './file-header.ts';

/** Size of an EVTX chunk. */
export const CHUNK_SIZE = 65536;
/** Size of the chunk header; the first record starts here. */
export const CHUNK_HEADER_SIZE = 512;
const SIGNATURE = 'ElfChnk\0';

/** The fields of a chunk header the reader uses. */
export interface EvtxChunkHeader {
  firstRecordId: number;
  lastRecordId: number;
  /** Chunk-relative offset where the unused space begins (records end before it). */
  freeSpaceOffset: number;
  headerChecksumOk: boolean;
  /** CRC32 of the records (512 … free space offset) matched; undefined when it could not be computed. */
  dataChecksumOk: boolean | undefined;
  /** Chunk-relative offsets in the common-string table (non-zero entries only). */
  stringOffsets: number[];
  /** Chunk-relative offsets in the template table (non-zero entries only). */
  templateOffsets: number[];
  /** Table entries that point outside the chunk or into its header: the chunk is damaged there. */
  badTableOffsets: number[];
}

/** True when the block starts with the chunk signature. */
export function hasChunkSignature(chunk: Uint8Array): boolean {
  return chunk.length >= 8 && latin1(chunk, 0, 8) === SIGNATURE;
}

/** Zeros to compare blocks against (a native compare; a byte loop over preallocated slack was a measurable cost). */
const ZEROS = new Uint8Array(CHUNK_SIZE);

/** True for an all-zero block: dirty files hold such empty chunks, which are skipped without a problem. */
export function isEmptyChunk(chunk: Uint8Array): boolean {
  for (let at = 0; at < chunk.length; at += CHUNK_SIZE) {
    const part = chunk.subarray(at, at + CHUNK_SIZE);
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

/** Parses a chunk header; `fileOffset` is where the chunk starts in the file, for error locations. */
export function parseChunkHeader(chunk: Uint8Array, fileOffset: number): EvtxChunkHeader {
  if (chunk.length < CHUNK_HEADER_SIZE) {
    throw new EvtxFormatError(fileOffset, 'chunk header', `only ${chunk.length} bytes, shorter than the 512-byte header`);
  }
  if (!hasChunkSignature(chunk)) {
    throw new EvtxFormatError(fileOffset, 'chunk header', `signature is not "ElfChnk" (found ${JSON.stringify(latin1(chunk, 0, 8))})`);
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const freeSpaceOffset = view.getUint32(48, true);
  const headerCrc = crc32(chunk.subarray(128, CHUNK_HEADER_SIZE), crc32(chunk.subarray(0, 120)));
  const dataChecksumOk =
    freeSpaceOffset >= CHUNK_HEADER_SIZE && freeSpaceOffset <= chunk.length
      ? crc32(chunk.subarray(CHUNK_HEADER_SIZE, freeSpaceOffset)) === view.getUint32(52, true)
      : undefined;
  const stringOffsets: number[] = [];
  const templateOffsets: number[] = [];
  const badTableOffsets: number[] = [];
  const readTable = (start: number, count: number, into: number[]): void => {
    for (let i = 0; i < count; i++) {
      const offset = view.getUint32(start + i * 4, true);
      if (offset === 0) continue;
      if (offset < CHUNK_HEADER_SIZE || offset >= chunk.length) badTableOffsets.push(offset);
      else into.push(offset);
    }
  };
  readTable(128, 64, stringOffsets);
  readTable(384, 32, templateOffsets);
  return {
    firstRecordId: u64(view, 24),
    lastRecordId: u64(view, 32),
    freeSpaceOffset,
    headerChecksumOk: headerCrc === view.getUint32(124, true),
    dataChecksumOk,
    stringOffsets,
    templateOffsets,
    badTableOffsets,
  };
}

/** A little-endian u64 as a number (exact below 2^53, which record ids and sizes never reach). */
export function u64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 0x1_0000_0000 + view.getUint32(at, true);
}
