/**
 * Test support: builds small synthetic EVTX files byte by byte, following the libevtx format document, so the
 * tests can exercise BinXML features real samples lack (CDATA, character and entity references, every value
 * type, nested fragments) and construct hostile structures. Names and template definitions are written inline,
 * which needs the absolute chunk offset of every byte: the writer tracks it.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';

/** A substitution value: its type byte and raw bytes. */
export interface SubValue {
  type: number;
  bytes: number[];
}

/** Writes BinXML at a known chunk offset. */
export class BinXmlWriter {
  readonly out: number[] = [];
  constructor(readonly base: number) {}

  get pos(): number {
    return this.base + this.out.length;
  }
  u8(...v: number[]): this {
    for (const b of v) this.out.push(b & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >>> 8);
  }
  u32(v: number): this {
    return this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }
  utf16(s: string): this {
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
    return this;
  }
  patch32(at: number, v: number): void {
    const i = at - this.base;
    this.out[i] = v & 0xff;
    this.out[i + 1] = (v >>> 8) & 0xff;
    this.out[i + 2] = (v >>> 16) & 0xff;
    this.out[i + 3] = (v >>> 24) & 0xff;
  }
  /** An inline name: offset field pointing right behind itself, then next/hash/count/text/NUL. */
  name(s: string): this {
    this.u32(this.pos + 4).u32(0).u16(0).u16(s.length).utf16(s).u16(0);
    return this;
  }
  fragmentHeader(): this {
    return this.u8(0x0f, 1, 1, 0);
  }
  /** Open start element; `insideSubstitution` omits the dependency identifier (BinXML substitution values). */
  open(name: string, options: { attributes?: boolean; insideSubstitution?: boolean } = {}): this {
    this.u8(options.attributes ? 0x41 : 0x01);
    if (!options.insideSubstitution) this.u16(0xffff);
    this.u32(0).name(name);
    if (options.attributes) this.u32(0);
    return this;
  }
  attribute(name: string, more = false): this {
    return this.u8(more ? 0x46 : 0x06).name(name);
  }
  closeStart(): this {
    return this.u8(0x02);
  }
  closeEmpty(): this {
    return this.u8(0x03);
  }
  end(): this {
    return this.u8(0x04);
  }
  text(s: string): this {
    return this.u8(0x05, 0x01).u16(s.length).utf16(s);
  }
  cdata(s: string): this {
    return this.u8(0x07).u16(s.length).utf16(s);
  }
  charRef(code: number): this {
    return this.u8(0x08).u16(code);
  }
  entityRef(name: string): this {
    return this.u8(0x09).name(name);
  }
  sub(index: number, type: number, optional = false): this {
    return this.u8(optional ? 0x0e : 0x0d).u16(index).u8(type);
  }
  eof(): this {
    return this.u8(0x00);
  }
  /** A template instance with its definition inline, then the substitution array. */
  template(body: (w: this) => void, values: SubValue[]): this {
    this.u8(0x0c, 0x01).u32(0x1234);
    const definitionOffset = this.pos + 4;
    this.u32(definitionOffset);
    this.u32(0).u8(...new Array<number>(16).fill(0xab));
    const sizeAt = this.pos;
    this.u32(0);
    const bodyStart = this.pos;
    body(this);
    this.patch32(sizeAt, this.pos - bodyStart);
    return this.values(values);
  }
  /** A template instance that refers to a definition elsewhere in the chunk. */
  templateRef(definitionOffset: number, values: SubValue[]): this {
    this.u8(0x0c, 0x01).u32(0x1234).u32(definitionOffset);
    return this.values(values);
  }
  values(values: SubValue[]): this {
    this.u32(values.length);
    for (const v of values) this.u16(v.bytes.length).u8(v.type, 0);
    for (const v of values) this.u8(...v.bytes);
    return this;
  }
}

/** A record's BinXML is written by `write` with a writer positioned at the record's data offset. */
export type RecordBody = (w: BinXmlWriter) => void;

/** Builds one 64 KiB chunk holding the given records (ids from `firstId`). */
export function buildChunk(records: RecordBody[], firstId = 1): Uint8Array {
  const chunk = new Uint8Array(65536);
  let pos = 512;
  let lastRecordOffset = 512;
  records.forEach((body, i) => {
    const w = new BinXmlWriter(pos + 24);
    body(w);
    const size = 24 + w.out.length + 4;
    if (pos + size > chunk.length) throw new Error('records do not fit in one chunk');
    const view = new DataView(chunk.buffer);
    view.setUint32(pos, 0x2a2a, true);
    view.setUint32(pos + 4, size, true);
    view.setBigUint64(pos + 8, BigInt(firstId + i), true);
    view.setBigUint64(pos + 16, 132_000_000_000_000_000n, true);
    chunk.set(w.out, pos + 24);
    view.setUint32(pos + size - 4, size, true);
    lastRecordOffset = pos;
    pos += size;
  });
  const view = new DataView(chunk.buffer);
  chunk.set(new TextEncoder().encode('ElfChnk\0'), 0);
  view.setBigUint64(8, BigInt(firstId), true);
  view.setBigUint64(16, BigInt(firstId + records.length - 1), true);
  view.setBigUint64(24, BigInt(firstId), true);
  view.setBigUint64(32, BigInt(firstId + records.length - 1), true);
  view.setUint32(40, 128, true);
  view.setUint32(44, lastRecordOffset, true);
  view.setUint32(48, pos, true);
  view.setUint32(52, crc32(chunk.subarray(512, pos)), true);
  view.setUint32(124, crc32(chunk.subarray(128, 512), crc32(chunk.subarray(0, 120))), true);
  return chunk;
}

/** Builds a file: 4096-byte header (chunk count = chunks.length unless given) then the chunks. */
export function buildFile(chunks: Uint8Array[], chunkCount = chunks.length): Uint8Array {
  const file = new Uint8Array(4096 + chunks.length * 65536);
  const view = new DataView(file.buffer);
  file.set(new TextEncoder().encode('ElfFile\0'), 0);
  view.setBigUint64(16, BigInt(Math.max(0, chunks.length - 1)), true);
  view.setUint32(32, 128, true);
  view.setUint16(36, 1, true);
  view.setUint16(38, 3, true);
  view.setUint16(40, 4096, true);
  view.setUint16(42, chunkCount, true);
  view.setUint32(124, crc32(file.subarray(0, 120)), true);
  chunks.forEach((c, i) => file.set(c, 4096 + i * 65536));
  return file;
}

/** Recomputes a chunk's two checksums after a test edited it. */
export function resealChunk(chunk: Uint8Array): void {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const free = view.getUint32(48, true);
  if (free >= 512 && free <= chunk.length) view.setUint32(52, crc32(chunk.subarray(512, free)), true);
  view.setUint32(124, crc32(chunk.subarray(128, 512), crc32(chunk.subarray(0, 120))), true);
}

/** Value helpers: little-endian bytes of the given width. */
export const le = (value: bigint, width: number): number[] => {
  const out: number[] = [];
  let v = BigInt.asUintN(width * 8, value);
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
};

/** UTF-16LE bytes of a string (optionally NUL-terminated). */
export const utf16le = (s: string, nul = false): number[] => [...Buffer.from(nul ? `${s}\0` : s, 'utf16le')];

/** Writes a typical event: System with Provider/EventID/TimeCreated/EventRecordID/Computer/Security and EventData Data elements bound to substitutions. */
export function sysmonLikeEvent(w: BinXmlWriter, data: { name: string; value: SubValue }[], extra: SubValue[] = []): void {
  const system: SubValue[] = [
    { type: 0x01, bytes: utf16le('Microsoft-Windows-Sysmon') },
    { type: 0x06, bytes: le(1n, 2) },
    { type: 0x11, bytes: le(132_033_941_227_110_058n, 8) },
    { type: 0x0a, bytes: le(5875n, 8) },
    { type: 0x01, bytes: utf16le('IEWIN7') },
    { type: 0x13, bytes: [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0] },
  ];
  const values = [...system, ...data.map((d) => d.value), ...extra];
  w.fragmentHeader().template((t) => {
    t.fragmentHeader().open('Event').closeStart();
    t.open('System').closeStart();
    t.open('Provider', { attributes: true }).attribute('Name').sub(0, 0x01).closeEmpty();
    t.open('EventID').closeStart().sub(1, 0x06).end();
    t.open('TimeCreated', { attributes: true }).attribute('SystemTime').sub(2, 0x11, true).closeEmpty();
    t.open('EventRecordID').closeStart().sub(3, 0x0a).end();
    t.open('Computer').closeStart().sub(4, 0x01).end();
    t.open('Security', { attributes: true }).attribute('UserID').sub(5, 0x13, true).closeEmpty();
    t.end();
    t.open('EventData').closeStart();
    data.forEach((d, i) => {
      t.open('Data', { attributes: true }).attribute('Name').text(d.name).closeStart().sub(system.length + i, d.value.type, true).end();
    });
    t.end();
    t.end().eof();
  }, values).eof();
}
