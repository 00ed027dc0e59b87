/**
 * Corpus events as a real EVTX file, laid out the way Windows writes Sysmon logs (compare the records of
 * test/fixtures/evtx/panache-sysmon-atomic.evtx.gz): every record is a template instance of the System template whose
 * substitution 17 is a BinXML value holding an instance of the event's own EventData template (bench-corpus-evtx-templates.ts);
 * both definitions are written inline in the first record of each chunk that uses them and referenced after that. Value
 * types are Windows' (UInt8 Level/Opcode/Version, UInt16 Task/EventID, HexInt64 Keywords, FileTime, UInt64 EventRecordID,
 * GUID, UInt32 ProcessID/ThreadID, SID UserID, and each shape's EventData types); records are padded to 8 bytes.
 * Record header ids number the file's records 1…n; EventRecordID is the host's own id (as in a collector's log).
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { CHUNK_FULL, CHUNK_SIZE, ChunkWriter, TOKEN } from './bench-corpus-binxml.ts';
import { fragmentHeader, shapeTemplate, SYSTEM_ID, SYSTEM_TEMPLATE, SYSTEM_VALUES, templateInstance, TYPE } from './bench-corpus-evtx-templates.ts';
import type { CorpusEvent, FieldValue, ValueType } from './bench-corpus-shapes.ts';

/** Size of the file header block. */
export const FILE_HEADER_SIZE = 4096;
/** The file header counts chunks in 16 bits. */
export const MAX_CHUNKS = 0xffff;

/** `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` → 16 bytes, the first three groups little-endian. */
function writeGuid(w: ChunkWriter, guid: string): void {
  w.need(16);
  const b = w.bytes;
  b.writeUInt32LE(Number.parseInt(guid.slice(1, 9), 16), w.pos);
  b.writeUInt16LE(Number.parseInt(guid.slice(10, 14), 16), w.pos + 4);
  b.writeUInt16LE(Number.parseInt(guid.slice(15, 19), 16), w.pos + 6);
  b.write(guid.slice(20, 24) + guid.slice(25, 37), w.pos + 8, 'hex');
  w.pos += 16;
}

const sids = new Map<string, Buffer>();

/** `S-1-5-21-…` → revision, count, 48-bit big-endian authority, little-endian 32-bit sub-authorities. */
function sidBytes(sid: string): Buffer {
  let bytes = sids.get(sid);
  if (bytes === undefined) {
    const [, revision, authority, ...subs] = sid.split('-').map(Number);
    bytes = Buffer.alloc(8 + subs.length * 4);
    bytes[0] = revision as number;
    bytes[1] = subs.length;
    bytes.writeUIntBE(authority as number, 2, 6);
    subs.forEach((sub, i) => (bytes as Buffer).writeUInt32LE(sub, 8 + i * 4));
    sids.set(sid, bytes);
  }
  return bytes;
}

/** Milliseconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01. */
const FILETIME_EPOCH_MS = 11_644_473_600_000n;

function filetime(event: CorpusEvent): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(event.timeMs) + FILETIME_EPOCH_MS) * 10_000n + BigInt(event.ticks));
  return b;
}

const keywordBytes = new Map<string, Buffer>();

function keywords(text: string): Buffer {
  let b = keywordBytes.get(text);
  if (b === undefined) {
    b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(text));
    keywordBytes.set(text, b);
  }
  return b;
}

function writeField(w: ChunkWriter, value: FieldValue, type: ValueType): void {
  switch (type) {
    case 'string':
      w.utf16(value as string);
      return;
    case 'uint16':
      w.u16(value as number);
      return;
    case 'uint32':
    case 'hex32':
      w.u32(value as number);
      return;
    case 'hex64':
      w.u64(value as number);
      return;
    case 'bool':
      w.u32(value ? 1 : 0);
      return;
    case 'guid':
      writeGuid(w, value as string);
      return;
    case 'sid':
      w.raw(sidBytes(value as string));
      return;
  }
}

/** The EventData BinXML value: fragment header, the shape's template instance, end of fragment. */
function writeEventData(w: ChunkWriter, event: CorpusEvent): void {
  const t = shapeTemplate(event.shape);
  const { values } = event;
  fragmentHeader(w);
  templateInstance(w, t.id, t.root, values.length, (i) => {
    writeField(w, values[i] as FieldValue, event.shape.types[i] as ValueType);
    return t.types[i] as number;
  });
  w.u8(TOKEN.EOF);
}

function writeSystemValue(w: ChunkWriter, event: CorpusEvent, time: Buffer, i: number): number {
  const shape = event.shape;
  switch (i) {
    case 0: w.u8(shape.level); return TYPE.uint8;
    case 1: w.u8(shape.opcode); return TYPE.uint8;
    case 2: w.u16(shape.task); return TYPE.uint16;
    case 3: w.u16(shape.eventId); return TYPE.uint16;
    case 5: w.raw(keywords(shape.provider.keywords)); return TYPE.hex64;
    case 6: w.raw(time); return TYPE.filetime;
    case 8: w.u32(event.processId); return TYPE.uint32;
    case 9: w.u32(event.threadId); return TYPE.uint32;
    case 10: w.u64(event.recordId); return TYPE.uint64;
    case 11: w.u8(shape.version); return TYPE.uint8;
    case 12:
      if (event.userId === null) return TYPE.null;
      w.raw(sidBytes(event.userId));
      return TYPE.sid;
    case 14: w.utf16(shape.provider.name); return TYPE.string;
    case 15: writeGuid(w, shape.provider.guid); return TYPE.guid;
    case 16: w.utf16(shape.provider.channel); return TYPE.string;
    case 17: writeEventData(w, event); return TYPE.binxml;
    case 18: w.utf16(event.computer); return TYPE.string;
    default: return TYPE.null; // 4 Qualifiers, 7 ActivityID, 13 RelatedActivityID: not set by these providers
  }
}

/**
 * Bytes left free after a chunk's last record. libevtx 20181227 wants 4 bytes past a record's size copy
 * (libevtx_record_values_read_header: `data_size > event_record_data_size - 4`), so it silently drops a record that ends
 * at the chunk's last byte; none of the 202 chunks of real logs in the workspace's sample EVTX files ends closer than 8 bytes.
 */
export const CHUNK_TAIL_SLACK = 8;

/** One record (header, BinXML, padding to 8 bytes, size copy); throws CHUNK_FULL when it does not fit. */
function writeRecord(w: ChunkWriter, event: CorpusEvent, number: number): void {
  const start = w.pos;
  const time = filetime(event);
  w.u32(0x2a2a);
  w.u32(0);
  w.u64(number);
  w.raw(time);
  fragmentHeader(w);
  templateInstance(w, SYSTEM_ID, SYSTEM_TEMPLATE, SYSTEM_VALUES, (i) => writeSystemValue(w, event, time, i));
  w.u8(TOKEN.EOF);
  const unpadded = w.pos + 4 - start;
  const size = Math.ceil(unpadded / 8) * 8;
  w.need(size - unpadded + 4 + CHUNK_TAIL_SLACK);
  w.pos += size - unpadded;
  w.u32(size);
  w.patch32(start + 4, size);
}

/** The 4096-byte file header of a closed file (format 3.2, as Windows 10 2004 and later write). */
export function evtxFileHeader(chunks: number, nextRecordId: number): Buffer {
  if (chunks > MAX_CHUNKS) throw new RangeError(`an EVTX file holds at most ${MAX_CHUNKS} chunks, this one needs ${chunks}`);
  const b = Buffer.alloc(FILE_HEADER_SIZE);
  b.write('ElfFile\0', 0, 'latin1');
  b.writeBigUInt64LE(0n, 8);
  b.writeBigUInt64LE(BigInt(Math.max(0, chunks - 1)), 16);
  b.writeBigUInt64LE(BigInt(nextRecordId), 24);
  b.writeUInt32LE(128, 32);
  b.writeUInt16LE(2, 36);
  b.writeUInt16LE(3, 38);
  b.writeUInt16LE(FILE_HEADER_SIZE, 40);
  b.writeUInt16LE(chunks, 42);
  b.writeUInt32LE(0, 120);
  b.writeUInt32LE(crc32(b.subarray(0, 120)), 124);
  return b;
}

/** Packs corpus events into sealed chunks, at most `maxChunks` of them. */
export class EvtxChunkPacker {
  #chunk = new ChunkWriter();
  #sealed: Buffer[] = [];
  #sealedCount = 0;
  #records = 0;

  constructor(readonly maxChunks: number) {
    if (!(maxChunks >= 1)) throw new RangeError(`an EVTX corpus needs at least one chunk, got ${maxChunks}`);
  }

  /** Adds the event as the next record; false when it would need a chunk beyond maxChunks (the event is not written). */
  add(event: CorpusEvent): boolean {
    const number = this.#records + 1;
    for (;;) {
      const start = this.#chunk.beginRecord();
      try {
        writeRecord(this.#chunk, event, number);
        this.#chunk.commitRecord(start, number);
        this.#records = number;
        return true;
      } catch (error) {
        if (error !== CHUNK_FULL) throw error;
        this.#chunk.abandonRecord(start);
        if (this.#chunk.records === 0) throw new RangeError(`event ${event.computer}/${event.recordId} does not fit in an empty ${CHUNK_SIZE}-byte EVTX chunk`);
        if (this.#sealedCount + 2 > this.maxChunks) return false;
        this.#seal();
      }
    }
  }

  /** Sealed chunks not yet taken, in file order. */
  take(): Buffer[] {
    const out = this.#sealed;
    this.#sealed = [];
    return out;
  }

  /** Bytes of sealed chunks waiting to be taken. */
  get pendingBytes(): number {
    return this.#sealed.length * CHUNK_SIZE;
  }

  /** Seals the last chunk; returns the remaining chunks and the file header. */
  finish(): { chunks: Buffer[]; header: Buffer; totalChunks: number } {
    if (this.#chunk.records > 0) this.#seal();
    return { chunks: this.take(), header: evtxFileHeader(this.#sealedCount, this.#records + 1), totalChunks: this.#sealedCount };
  }

  #seal(): void {
    if (this.#sealedCount + 1 > MAX_CHUNKS) throw new RangeError(`an EVTX file holds at most ${MAX_CHUNKS} chunks`);
    this.#sealed.push(this.#chunk.seal());
    this.#sealedCount += 1;
    this.#chunk = new ChunkWriter();
  }
}
