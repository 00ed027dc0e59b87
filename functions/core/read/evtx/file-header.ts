/**
 * The EVTX file header: the first 4096 bytes, of which only the first 128 carry data
 * (libyal libevtx "Windows XML Event Log (EVTX)", section File header).
 */
import { crc32 } from 'node:zlib';
import { EvtxFormatError } from './evtx-format-error.ts';

/** Size of the file header block; the first chunk starts right after it. */
export const FILE_HEADER_SIZE = 4096;
const SIGNATURE = 'ElfFile\0';

/** The fields of the file header the reader uses. */
export interface EvtxFileHeader {
  /** Chunks the header claims; dirty files hold valid chunks past this count. */
  chunkCount: number;
  majorVersion: number;
  minorVersion: number;
  /** Bit 0: dirty (not closed cleanly); bit 1: full. */
  flags: number;
  /** CRC32 of the first 120 bytes matched the stored checksum. */
  checksumOk: boolean;
}

/** Parses the 4096-byte file header; throws EvtxFormatError when the block is short or the signature is wrong. */
export function parseFileHeader(block: Uint8Array): EvtxFileHeader {
  if (block.length < 128) {
    throw new EvtxFormatError(0, 'file header', `file is ${block.length} bytes, shorter than the 128-byte header`);
  }
  if (latin1(block, 0, 8) !== SIGNATURE) {
    throw new EvtxFormatError(0, 'file header', `signature is not "ElfFile" (found ${JSON.stringify(latin1(block, 0, 8))})`);
  }
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  return {
    minorVersion: view.getUint16(36, true),
    majorVersion: view.getUint16(38, true),
    chunkCount: view.getUint16(42, true),
    flags: view.getUint32(120, true),
    checksumOk: crc32(block.subarray(0, 120)) === view.getUint32(124, true),
  };
}

/** Decodes bytes as Latin-1 (signatures, excerpts). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < bytes.length; i++) s += String.fromCharCode(bytes[i] ?? 0);
  return s;
}
