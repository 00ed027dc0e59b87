/**
 * Decompression stage: an object's bytes → one or more decoded byte streams. The compression is recognised by magic
 * bytes only (gzip 1f 8b, zstd 28 b5 2f fd, zip 50 4b 03 04), never by name. gzip uses node:zlib (multi-member), zstd the
 * `fzstd` package, zip `fflate` (one stream per file entry, directories skipped); a gzip or zstd entry inside a zip is
 * decoded too (one level). Everything streams and is pulled by the consumer: input is read only as decoded bytes are
 * wanted (zlib is paused when the consumer falls behind; the synchronous decoders get small slices), so memory stays
 * bounded whatever the object's size or compression ratio.
 *
 * Corrupt or truncated data throws CorruptCompressionError from the stream's iteration, after every byte that could be
 * decoded before the fault has been yielded. More decoded bytes than maxBytes (over all streams of the object) throws
 * TooLargeError: that is what stops zip bombs. An error of the input itself (an S3 read) is rethrown unchanged.
 */
import { Buffer } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { Unzip, UnzipInflate, type AsyncFlateStreamHandler, type UnzipDecoderConstructor } from 'fflate';
import { Decompress } from 'fzstd';
import { peekChunks } from './detect-format.ts';
import type { ByteChunks } from './raw-event.ts';

/** How a stream was compressed. */
export type Compression = 'none' | 'gzip' | 'zstd' | 'zip';

/** One decoded stream: the whole object, or one zip entry. */
export interface DecodedStream {
  /** The zip entry's name, for archives. */
  entry?: string;
  compression: Compression;
  /** For a zip entry that was itself gzip or zstd compressed. */
  inner?: 'gzip' | 'zstd';
  /** Decoded bytes; single use. Iterate one stream to its end (or stop) before asking for the next. */
  chunks: ByteChunks;
}

/** Options for {@link openStreams}. */
export interface OpenStreamsOptions {
  /** Most decoded bytes accepted over all streams of the object; default unlimited. */
  maxBytes?: number;
}

/** Where a decoder was when it failed. */
interface Where {
  compression: Compression;
  entry?: string;
}

/** Compressed data that cannot be decoded: corrupt, truncated, or a zip method other than stored/deflate. */
export class CorruptCompressionError extends Error {
  override readonly name = 'CorruptCompressionError';
  readonly compression: Compression;
  readonly entry: string | undefined;
  /** Compressed bytes fed to the failing decoder when the fault surfaced (within the zip entry for a nested stream). */
  readonly offset: number;

  constructor(where: Where, offset: number, problem: string, options?: { cause?: unknown }) {
    const inEntry = where.entry === undefined ? '' : ` in zip entry '${where.entry}'`;
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
    const inEntry = where.entry === undefined ? '' : ` (at zip entry '${where.entry}')`;
    super(`decoded ${where.compression} data exceeds the ${limit}-byte limit${inEntry}`);
    this.compression = where.compression;
    this.entry = where.entry;
    this.limit = limit;
  }
}

/** The compression of a stream from its first four bytes. */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  return 'none';
}

/** Input slice sizes for the synchronous decoders: each push's output is bounded by the slice times the worst expansion. */
const ZSTD_SLICE = 2 * 1024; // a 4-byte RLE block yields up to 128 KiB
const ZIP_SLICE = 16 * 1024;
/** zstd blocks never decode to more than 128 KiB (RFC 8878 Block_Maximum_Size); a bigger one is forged. */
const ZSTD_MAX_BLOCK = 128 * 1024;
/** zstd windows beyond 128 MiB are refused, as by the reference decoder without `--memory`. */
const ZSTD_MAX_WINDOW = 128 * 1024 * 1024;

function* slices(chunk: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, at + size);
}

/** Counts decoded bytes against the object's limit. */
class Budget {
  #used = 0;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  async *limit(chunks: ByteChunks, where: Where): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      this.#used += chunk.length;
      if (this.#used > this.#limit) throw new TooLargeError(where, this.#limit);
      yield chunk;
    }
  }
}

/** Splits an object into its decoded streams (one, or one per zip file entry). */
export async function* openStreams(chunks: ByteChunks, options: OpenStreamsOptions = {}): AsyncGenerator<DecodedStream> {
  const budget = new Budget(options.maxBytes ?? Number.POSITIVE_INFINITY);
  const peeked = await peekChunks(chunks, 4);
  const compression = compressionOf(peeked.head);
  if (compression === 'zip') {
    for await (const entry of zipEntries(peeked.chunks)) {
      const where: Where = { compression: 'zip', entry: entry.name };
      let inner: Awaited<ReturnType<typeof peekChunks>>;
      try {
        inner = await peekChunks(entry.chunks, 4);
      } catch (error) {
        // The entry's own fault belongs to the entry: the archive's other entries still read.
        yield { entry: entry.name, compression, chunks: failing(error) };
        continue;
      }
      const innerCompression = compressionOf(inner.head);
      if (innerCompression === 'gzip' || innerCompression === 'zstd') {
        const decoded = decode(innerCompression, inner.chunks, { compression: innerCompression, entry: entry.name });
        yield { entry: entry.name, compression, inner: innerCompression, chunks: budget.limit(decoded, where) };
      } else {
        yield { entry: entry.name, compression, chunks: budget.limit(inner.chunks, where) };
      }
    }
    return;
  }
  yield { compression, chunks: budget.limit(decode(compression, peeked.chunks, { compression }), { compression }) };
}

/** A stream whose first read throws `error`. */
async function* failing(error: unknown): AsyncGenerator<Uint8Array> {
  yield* [];
  throw error;
}

function decode(compression: Exclude<Compression, 'zip'>, chunks: ByteChunks, where: Where): ByteChunks {
  switch (compression) {
    case 'none':
      return chunks;
    case 'gzip':
      return gunzipChunks(chunks, where);
    case 'zstd':
      return zstdChunks(chunks, where);
  }
}

/** Decoded gzip bytes queued for the consumer: zlib is paused above HIGH and resumed below LOW. */
const GZIP_QUEUE_HIGH = 4 * 1024 * 1024;
const GZIP_QUEUE_LOW = 1024 * 1024;

/**
 * gzip through node:zlib (native, multi-member, 1 MiB output chunks). Each input chunk is written once the previous one
 * was consumed, while the consumer works on earlier output; output is paced by pausing zlib when the consumer falls
 * behind — zlib then stops inflating even in the middle of a write, so a bomb's expansion waits in its input, not in
 * memory. Every byte decoded before an error is yielded ahead of it; after an error zlib never calls back the write in
 * flight, so that wait also ends on 'close'.
 */
async function* gunzipChunks(input: ByteChunks, where: Where): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  const queue: Buffer[] = [];
  let queued = 0;
  /** A decoding fault, or the input's own error (an S3 read, an outer decoder): thrown after the queued bytes. */
  let failure: unknown;
  let ended = false;
  let stopped = false;
  let signal: (() => void) | undefined;
  const notify = (): void => {
    const wake = signal;
    signal = undefined;
    wake?.();
  };
  gunzip.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= GZIP_QUEUE_HIGH) gunzip.pause();
    notify();
  });
  /** Compressed bytes handed to zlib; `bytesWritten` counts what it consumed before the call that failed. */
  let fed = 0;
  gunzip.on('error', (error: Error & { code?: string }) => {
    const truncated = error.code === 'Z_BUF_ERROR';
    const problem = truncated ? 'truncated (unexpected end of data)' : error.message;
    failure ??= new CorruptCompressionError(where, truncated ? fed : gunzip.bytesWritten, problem, { cause: error });
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });
  const closed = new Promise<void>((resolve) => gunzip.once('close', () => resolve()));
  const iterator = input[Symbol.asyncIterator]();
  const feeding = (async (): Promise<void> => {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        // The input broke: decode what zlib already holds, then hand the input's own error on.
        await Promise.race([new Promise<void>((resolve) => gunzip.flush(() => resolve())), closed]);
        failure ??= error;
        notify();
        return;
      }
      if (stopped || failure !== undefined) return;
      if (next.done === true) {
        gunzip.end();
        return;
      }
      fed += next.value.length;
      // One write at a time: with several queued, an error destroys the stream before the output of the earlier ones is
      // emitted, and Node drops it (measured: 4 KB instead of 41 KB decoded from a truncated file written in bursts).
      await Promise.race([new Promise<void>((resolve) => gunzip.write(next.value, () => resolve())), closed]);
    }
  })();
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        if (gunzip.isPaused() && queued < GZIP_QUEUE_LOW) gunzip.resume();
        yield chunk;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        signal = resolve;
      });
    }
  } finally {
    stopped = true;
    gunzip.destroy();
    await feeding;
    await iterator.return?.();
  }
}

/** The window a zstd frame header asks for (RFC 8878 §3.1.1.1), or undefined when the header is not a zstd frame. */
function zstdWindow(head: Uint8Array): number | undefined {
  if (head.length < 6 || compressionOf(head) !== 'zstd') return undefined;
  const descriptor = head[4] as number;
  const singleSegment = (descriptor >> 5) & 1;
  if (singleSegment === 1) return 0; // the window is the content size, decoded block by block
  const windowByte = head[5] as number;
  const base = 2 ** (10 + (windowByte >> 3));
  return base + (base / 8) * (windowByte & 7);
}

/** zstd through fzstd, pushed in small slices; every block it decodes is queued and yielded before the next push. */
async function* zstdChunks(input: ByteChunks, where: Where): AsyncGenerator<Uint8Array> {
  const peeked = await peekChunks(input, 6);
  // fzstd allocates the window a frame header asks for (up to 2 GiB) before decoding a byte; the first frame is checked.
  const window = zstdWindow(peeked.head);
  if (window !== undefined && window > ZSTD_MAX_WINDOW) {
    throw new CorruptCompressionError(where, 0, `frame asks for a ${window}-byte window, over the ${ZSTD_MAX_WINDOW}-byte limit`);
  }
  const queue: Uint8Array[] = [];
  let fed = 0;
  const decoder = new Decompress((data) => {
    if (data.length > ZSTD_MAX_BLOCK) throw new Error(`a block decodes to ${data.length} bytes, over the 128 KiB maximum`);
    if (data.length > 0) queue.push(data);
  });
  /** Pushes a slice; a fault comes back as a value so the blocks decoded before it can be yielded first. */
  const push = (slice: Uint8Array, final: boolean): CorruptCompressionError | undefined => {
    fed += slice.length;
    try {
      decoder.push(slice, final);
      return undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const problem = message === 'unexpected EOF' ? 'truncated (unexpected end of data)' : message;
      return new CorruptCompressionError(where, fed, problem, { cause: error });
    }
  };
  for await (const chunk of peeked.chunks) {
    for (const slice of slices(chunk, ZSTD_SLICE)) {
      const fault = push(slice, false);
      while (queue.length > 0) yield queue.shift() as Uint8Array;
      if (fault !== undefined) throw fault;
    }
  }
  const fault = push(new Uint8Array(0), true);
  while (queue.length > 0) yield queue.shift() as Uint8Array;
  if (fault !== undefined) throw fault;
}

/** What the zip decoder reports, in order; `entry` -1 is the archive itself. */
type ZipEvent =
  | { kind: 'start'; entry: number; name: string }
  | { kind: 'data'; entry: number; data: Uint8Array }
  | { kind: 'end'; entry: number }
  | { kind: 'error'; entry: number; problem: string; offset: number; cause?: unknown };

/** The end-of-central-directory record closes every complete zip; it sits in the last 22 + 65,535 (comment) bytes. */
const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const EOCD_SEARCH = 22 + 65535;
/** APPNOTE methods fflate cannot decode; registered so such an entry fails once instead of being buffered whole. */
const UNSUPPORTED_METHODS = Array.from({ length: 99 }, (_, i) => i + 1).filter((method) => method !== 8);

function unsupportedMethod(method: number): UnzipDecoderConstructor {
  return class {
    static readonly compression = method;
    ondata: AsyncFlateStreamHandler = () => undefined;
    #reported = false;
    push(_chunk: Uint8Array, final: boolean): void {
      if (this.#reported) return;
      this.#reported = true;
      // fflate's handler type has no error-only form; the data argument is unused when an error is passed.
      this.ondata(Object.assign(new Error(`compression method ${method} is not supported (only stored and deflate)`), { code: 0 }), new Uint8Array(0), final);
    }
  };
}

/** Feeds a zip's bytes to fflate's streaming Unzip one slice at a time, on demand, and queues what it reports. */
class ZipPump {
  readonly events: ZipEvent[] = [];
  readonly #iterator: AsyncIterator<Uint8Array>;
  readonly #unzip: Unzip;
  #slices: Generator<Uint8Array> | undefined;
  #fed = 0;
  #open = -1;
  #count = 0;
  #finished = false;
  /** The input's last bytes, to find the end-of-central-directory record when it ends. */
  #tail: Uint8Array[] = [];
  #tailLength = 0;

  constructor(input: ByteChunks) {
    this.#iterator = input[Symbol.asyncIterator]();
    this.#unzip = new Unzip((file) => {
      const entry = this.#count;
      this.#count += 1;
      this.#open = entry;
      this.events.push({ kind: 'start', entry, name: file.name });
      file.ondata = (error, data, final) => {
        if (error !== null) this.events.push({ kind: 'error', entry, problem: error.message, offset: this.#fed, cause: error });
        else if (data.length > 0) this.events.push({ kind: 'data', entry, data });
        if (final) {
          this.events.push({ kind: 'end', entry });
          if (this.#open === entry) this.#open = -1;
        }
      };
      file.start();
    });
    this.#unzip.register(UnzipInflate);
    for (const method of UNSUPPORTED_METHODS) this.#unzip.register(unsupportedMethod(method));
  }

  /** Feeds the next slice (or ends the input); false once everything has been fed. */
  async pull(): Promise<boolean> {
    if (this.#finished) return false;
    let slice = this.#slices?.next();
    while (slice === undefined || slice.done === true) {
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#finish();
        return true;
      }
      this.#slices = slices(next.value, ZIP_SLICE);
      slice = this.#slices.next();
    }
    this.#remember(slice.value);
    this.#fed += slice.value.length;
    this.#push(slice.value, false);
    return true;
  }

  async close(): Promise<void> {
    this.#finished = true;
    await this.#iterator.return?.();
  }

  #push(slice: Uint8Array, final: boolean): void {
    try {
      this.#unzip.push(slice, final);
    } catch (error) {
      // fflate's own state is unusable after it throws: report it against the entry being read, and stop.
      const problem = error instanceof Error && error.message === 'invalid zip data' ? 'truncated or invalid entry data' : String(error);
      this.events.push({ kind: 'error', entry: this.#open, problem, offset: this.#fed, cause: error });
      this.#finished = true;
    }
  }

  #finish(): void {
    this.#push(new Uint8Array(0), true);
    if (this.#finished) return;
    this.#finished = true;
    const tail = Buffer.concat(this.#tail);
    if (tail.lastIndexOf(EOCD) < 0) {
      this.events.push({ kind: 'error', entry: this.#open, problem: 'truncated: no end-of-central-directory record', offset: this.#fed });
    }
  }

  #remember(slice: Uint8Array): void {
    this.#tail.push(slice);
    this.#tailLength += slice.length;
    while (this.#tail.length > 1 && this.#tailLength - (this.#tail[0] as Uint8Array).length >= EOCD_SEARCH) {
      this.#tailLength -= (this.#tail.shift() as Uint8Array).length;
    }
  }
}

function zipError(event: Extract<ZipEvent, { kind: 'error' }>, name: string | undefined): CorruptCompressionError {
  const where: Where = name === undefined ? { compression: 'zip' } : { compression: 'zip', entry: name };
  return new CorruptCompressionError(where, event.offset, event.problem, { cause: event.cause });
}

/** One file entry's decoded bytes, pulled from the shared pump. */
async function* entryChunks(pump: ZipPump, entry: number, name: string): AsyncGenerator<Uint8Array> {
  for (;;) {
    const event = pump.events[0];
    if (event === undefined) {
      if (!(await pump.pull())) return;
      continue;
    }
    if (event.entry !== entry && event.entry !== -1) {
      // Events of an earlier entry are leftovers; a later entry's start means ours is over.
      if (event.entry > entry) return;
      pump.events.shift();
      continue;
    }
    pump.events.shift();
    if (event.kind === 'data') yield event.data;
    else if (event.kind === 'end') return;
    else if (event.kind === 'error') throw zipError(event, event.entry === -1 ? undefined : name);
  }
}

/**
 * The file entries of a zip, in archive order (directories skipped). Entries are read one after the other: the next is
 * produced once the previous one's chunks were read or abandoned; an abandoned entry's remaining bytes (and faults) are
 * skipped. A fault outside any entry (truncated archive) is thrown here.
 */
async function* zipEntries(input: ByteChunks): AsyncGenerator<{ name: string; chunks: ByteChunks }> {
  const pump = new ZipPump(input);
  const names = new Map<number, string>();
  try {
    for (;;) {
      const event = pump.events[0];
      if (event === undefined) {
        if (!(await pump.pull())) return;
        continue;
      }
      pump.events.shift();
      if (event.kind === 'start') {
        names.set(event.entry, event.name);
        if (!event.name.endsWith('/')) yield { name: event.name, chunks: entryChunks(pump, event.entry, event.name) };
      } else if (event.kind === 'error' && (event.entry === -1 || !names.has(event.entry))) {
        throw zipError(event, undefined);
      }
    }
  } finally {
    await pump.close();
  }
}
