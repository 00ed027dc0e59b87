/**
 * One 64 KiB EVTX chunk being filled, with the BinXML pieces the corpus writes (libyal libevtx, "Windows XML Event Log
 * (EVTX) format", sections Chunk and Binary XML; laid out like the records of real Sysmon logs in test/fixtures/evtx):
 * - names are stored inline on first use in the chunk and referenced by chunk offset after that; each inline name is
 *   entered in the 64-bucket common-string table (bucket = name hash % 64, the newest heads the chain, its `next` field
 *   points at the one before), the hash being Windows' `h = h * 65599 + code unit`, low 16 bits;
 * - template definitions likewise: inline after the first instance's definition offset, then referenced; entered in the
 *   32-bucket template table (bucket = template id % 32: Windows' bucket function is undocumented and readers follow the
 *   chains from every non-zero entry).
 * Writes past the chunk's end throw CHUNK_FULL; the caller then starts a new chunk and writes the record again.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';

/** Size of a chunk. */
export const CHUNK_SIZE = 65536;
/** Size of the chunk header; records start here. */
export const CHUNK_HEADER_SIZE = 512;

/** Thrown (one shared instance: it is control flow, not an error) when a record does not fit in the chunk. */
export const CHUNK_FULL: unique symbol = Symbol('chunk full');

/** BinXML tokens used here. */
export const TOKEN = {
  EOF: 0x00,
  OPEN: 0x01,
  OPEN_WITH_ATTRIBUTES: 0x41,
  CLOSE_START: 0x02,
  CLOSE_EMPTY: 0x03,
  END: 0x04,
  VALUE: 0x05,
  ATTRIBUTE: 0x06,
  ATTRIBUTE_MORE: 0x46,
  TEMPLATE_INSTANCE: 0x0c,
  SUBSTITUTION: 0x0d,
  OPTIONAL_SUBSTITUTION: 0x0e,
  FRAGMENT_HEADER: 0x0f,
} as const;

/** Windows' BinXML name hash. */
export function nameHash(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i += 1) hash = (Math.imul(hash, 65599) + name.charCodeAt(i)) >>> 0;
  return hash & 0xffff;
}

/** A chunk under construction. */
export class ChunkWriter {
  readonly bytes = Buffer.alloc(CHUNK_SIZE);
  pos = CHUNK_HEADER_SIZE;
  readonly #stringHeads = new Uint32Array(64);
  readonly #templateHeads = new Uint32Array(32);
  readonly #savedStringHeads = new Uint32Array(64);
  readonly #savedTemplateHeads = new Uint32Array(32);
  readonly #names = new Map<string, number>();
  readonly #templates = new Map<string, number>();
  #firstRecordNumber = 0;
  #lastRecordNumber = 0;
  #lastRecordOffset = 0;

  /** Number of records in the chunk. */
  get records(): number {
    return this.#lastRecordNumber === 0 ? 0 : this.#lastRecordNumber - this.#firstRecordNumber + 1;
  }

  /** Remembers the tables before a record, so a record that does not fit can be taken back. */
  beginRecord(): number {
    this.#savedStringHeads.set(this.#stringHeads);
    this.#savedTemplateHeads.set(this.#templateHeads);
    return this.pos;
  }

  /** Takes back a record that did not fit: its bytes are zeroed and the tables restored (the chunk is then closed). */
  abandonRecord(start: number): void {
    this.bytes.fill(0, start);
    this.pos = start;
    this.#stringHeads.set(this.#savedStringHeads);
    this.#templateHeads.set(this.#savedTemplateHeads);
  }

  /** Records a finished record (`start` its first byte, `number` its record header id). */
  commitRecord(start: number, number: number): void {
    if (this.#firstRecordNumber === 0) this.#firstRecordNumber = number;
    this.#lastRecordNumber = number;
    this.#lastRecordOffset = start;
  }

  need(n: number): void {
    if (this.pos + n > CHUNK_SIZE) throw CHUNK_FULL;
  }

  u8(v: number): void {
    this.need(1);
    this.bytes[this.pos++] = v;
  }

  u16(v: number): void {
    this.need(2);
    this.pos = this.bytes.writeUInt16LE(v, this.pos);
  }

  u32(v: number): void {
    this.need(4);
    this.pos = this.bytes.writeUInt32LE(v >>> 0, this.pos);
  }

  /** A u64 below 2^53. */
  u64(v: number): void {
    this.u32(v % 0x1_0000_0000);
    this.u32(Math.floor(v / 0x1_0000_0000));
  }

  raw(bytes: Uint8Array): void {
    this.need(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** UTF-16LE code units, no terminator. */
  utf16(text: string): void {
    this.need(text.length * 2);
    this.pos += this.bytes.write(text, this.pos, 'utf16le');
  }

  /** A name reference: inline (entered in the common-string table) on first use in the chunk, an offset after that. */
  name(name: string): void {
    const known = this.#names.get(name);
    if (known !== undefined) {
      this.u32(known);
      return;
    }
    const at = this.pos + 4;
    this.u32(at);
    const hash = nameHash(name);
    const bucket = hash % 64;
    this.u32(this.#stringHeads[bucket] as number);
    this.u16(hash);
    this.u16(name.length);
    this.utf16(name);
    this.u16(0);
    this.#stringHeads[bucket] = at;
    this.#names.set(name, at);
  }

  /** The definition offset of `key`'s template in this chunk, if already written. */
  templateOffset(key: string): number | undefined {
    return this.#templates.get(key);
  }

  /** Enters a template definition written at `at` (the offset of its `next` field) in the template table; returns that field's value. */
  registerTemplate(key: string, id: number, at: number): number {
    const bucket = id % 32;
    const next = this.#templateHeads[bucket] as number;
    this.#templateHeads[bucket] = at;
    this.#templates.set(key, at);
    return next;
  }

  /** Writes `u32` at an earlier offset. */
  patch32(at: number, v: number): void {
    this.bytes.writeUInt32LE(v >>> 0, at);
  }

  /** Fills in the chunk header (record range, offsets, tables, both CRC32s) and returns the finished chunk. */
  seal(): Buffer {
    const b = this.bytes;
    b.write('ElfChnk\0', 0, 'latin1');
    // Record numbers and identifiers are the same sequence in the logs Windows writes.
    for (const [at, v] of [[8, this.#firstRecordNumber], [16, this.#lastRecordNumber], [24, this.#firstRecordNumber], [32, this.#lastRecordNumber]] as const) {
      b.writeUInt32LE(v % 0x1_0000_0000, at);
      b.writeUInt32LE(Math.floor(v / 0x1_0000_0000), at + 4);
    }
    b.writeUInt32LE(128, 40);
    b.writeUInt32LE(this.#lastRecordOffset, 44);
    b.writeUInt32LE(this.pos, 48);
    b.writeUInt32LE(crc32(b.subarray(CHUNK_HEADER_SIZE, this.pos)), 52);
    // Flags: 1 in every used chunk of the real logs we read (meaning undocumented).
    b.writeUInt32LE(1, 120);
    for (let i = 0; i < 64; i += 1) b.writeUInt32LE(this.#stringHeads[i] as number, 128 + i * 4);
    for (let i = 0; i < 32; i += 1) b.writeUInt32LE(this.#templateHeads[i] as number, 384 + i * 4);
    b.writeUInt32LE(crc32(b.subarray(128, CHUNK_HEADER_SIZE), crc32(b.subarray(0, 120))), 124);
    return b;
  }
}
