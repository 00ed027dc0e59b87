/**
 * tar (POSIX ustar, GNU and pax; what `tar czf` writes): one stream per regular file member, read as the archive streams
 * past, nothing buffered beyond one 512-byte header. splunk/attack_data ships datasets as .tar.gz. Recognised by the
 * header block itself (a valid checksum and the `ustar` magic at offset 257), never by name. Members are read one after
 * the other; a member left unread is skipped. Directories, links and devices are skipped; GNU long names (`L`) and pax
 * `path` records (`x`) name the next member.
 */
import { Buffer } from 'node:buffer';
import { CorruptCompressionError, type Where } from './compressed-input.ts';
import type { ByteChunks } from './raw-event.ts';

/** Size of a tar header and of the blocks member data is padded to. */
export const TAR_BLOCK = 512;
/** Longest GNU long name or pax header read; anything longer is a corrupt archive, not something to buffer. */
const MAX_META_BYTES = 1024 * 1024;

/** A tar fault: located by the decoded byte (of the tar stream) it was found at, and the member it hit. */
export class CorruptTarError extends CorruptCompressionError {
  constructor(where: Where, offset: number, problem: string) {
    super(where, offset, problem);
    const packed = where.compression === 'none' ? 'tar archive' : `tar archive (${where.compression})`;
    const member = where.entry === undefined ? '' : ` in member '${where.entry}'`;
    this.message = `${packed} cannot be read${member} at decoded byte ${offset}: ${problem}`;
  }
}

function ascii(block: Uint8Array, from: number, length: number): string {
  const field = block.subarray(from, from + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}

/** A numeric header field: octal ASCII, or GNU base-256 (high bit of the first byte set) for sizes of 8 GiB and more. */
function numeric(block: Uint8Array, from: number, length: number): number | undefined {
  const first = block[from] as number;
  if ((first & 0x80) !== 0) {
    let value = first & 0x7f;
    for (let i = from + 1; i < from + length; i++) value = value * 256 + (block[i] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = ascii(block, from, length).trim();
  return /^[0-7]*$/.test(text) ? (text === '' ? 0 : parseInt(text, 8)) : undefined;
}

/** True when `block` is a tar header: the `ustar` magic (POSIX `ustar\0`, GNU `ustar `) and a matching checksum. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < TAR_BLOCK || ascii(block, 257, 5) !== 'ustar') return false;
  const stored = numeric(block, 148, 8);
  let sum = 0;
  // The checksum counts its own field as eight spaces.
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return stored === sum;
}

/** Pulls exact byte counts out of a chunk stream, keeping views, never more than one chunk ahead. */
class ByteQueue {
  offset = 0;
  readonly #iterator: AsyncIterator<Uint8Array>;
  #current: Uint8Array = new Uint8Array(0);

  constructor(input: ByteChunks) {
    this.#iterator = input[Symbol.asyncIterator]();
  }

  /** Up to `max` next bytes (a view), or undefined at the end of the input. */
  async next(max: number): Promise<Uint8Array | undefined> {
    while (this.#current.length === 0) {
      const next = await this.#iterator.next();
      if (next.done === true) return undefined;
      this.#current = next.value;
    }
    const part = this.#current.subarray(0, max);
    this.#current = this.#current.subarray(part.length);
    this.offset += part.length;
    return part;
  }

  /** Exactly `n` bytes (copied), or fewer when the input ends first. */
  async read(n: number): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    let length = 0;
    while (length < n) {
      const part = await this.next(n - length);
      if (part === undefined) break;
      parts.push(part);
      length += part.length;
    }
    return Buffer.concat(parts, length);
  }

  /** Skips `n` bytes; false when the input ended first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      const part = await this.next(left);
      if (part === undefined) return false;
      left -= part.length;
    }
    return true;
  }

  async close(): Promise<void> {
    await this.#iterator.return?.();
  }
}

const padding = (size: number): number => (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;

/** The `path` of a pax extended header (`<length> <key>=<value>\n` records), if it has one. */
function paxPath(records: Buffer): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < records.length) {
    const space = records.indexOf(0x20, at);
    const length = space < 0 ? NaN : Number(records.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = records.toString('utf8', space + 1, at + length - 1);
    if (record.startsWith('path=')) path = record.slice('path='.length);
    at += length;
  }
  return path;
}

/**
 * The regular-file members of a tar stream, in archive order. The archive ends at its first all-zero block (or, tolerated,
 * at the end of the input right after a member). A header with a bad checksum or a member cut short throws CorruptTarError.
 */
export async function* tarEntries(input: ByteChunks, where: Where): AsyncGenerator<{ name: string; chunks: ByteChunks }> {
  const queue = new ByteQueue(input);
  let longName: string | undefined;
  try {
    for (;;) {
      const at = queue.offset;
      const block = await queue.read(TAR_BLOCK);
      if (block.length === 0) return;
      if (block.length < TAR_BLOCK) throw new CorruptTarError(where, at, 'truncated inside a member header');
      if (block.every((b) => b === 0)) return;
      if (!isTarHeader(block)) throw new CorruptTarError(where, at, 'a header block with a bad checksum or no ustar magic');
      const size = numeric(block, 124, 12);
      if (size === undefined) throw new CorruptTarError(where, at, 'a header whose size field is not a number');
      const type = String.fromCharCode(block[156] as number);
      const prefix = ascii(block, 345, 155);
      const name = longName ?? (prefix === '' ? ascii(block, 0, 100) : `${prefix}/${ascii(block, 0, 100)}`);
      if (type === 'L' || type === 'x') {
        if (size > MAX_META_BYTES) throw new CorruptTarError(where, at, `a ${size}-byte ${type === 'L' ? 'long name' : 'pax header'}`);
        const data = await queue.read(size);
        if (data.length < size || !(await queue.skip(padding(size)))) throw new CorruptTarError(where, queue.offset, 'truncated inside a member header');
        longName = type === 'L' ? ascii(data, 0, data.length) : (paxPath(data) ?? longName);
        continue;
      }
      longName = undefined;
      // Regular files: '0', NUL (pre-POSIX) and '7' (contiguous). Everything else carries no log bytes.
      if (type !== '0' && type !== '\0' && type !== '7') {
        if (!(await queue.skip(size + padding(size)))) throw new CorruptTarError({ ...where, entry: name }, queue.offset, 'truncated');
        continue;
      }
      let left = size;
      let failed = false;
      const memberWhere: Where = { ...where, entry: name };
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        try {
          while (left > 0) {
            const part = await queue.next(left);
            if (part === undefined) throw new CorruptTarError(memberWhere, queue.offset, `truncated: ${left} of the member's ${size} bytes missing`);
            left -= part.length;
            yield part;
          }
        } catch (error) {
          failed = true;
          throw error;
        }
      };
      yield { name, chunks: chunks() };
      // A fault inside the member (the tar or its compression cut short) was thrown to the member's reader: the archive
      // can be read no further, and the fault is reported once, there.
      if (failed) return;
      // The consumer is done with the member (or gave up on it): skip what it left, and the padding.
      if (!(await queue.skip(left + padding(size)))) {
        if (left > 0) throw new CorruptTarError(memberWhere, queue.offset, 'truncated: member data missing');
        return; // a tar cut right after its last member's data: nothing lost
      }
    }
  } finally {
    await queue.close();
  }
}

/**
 * The first block of a decoded stream without losing it or its failure: a stream that fails within its first block (a
 * truncated gzip) is replayed with the same error at the end, so every byte decoded before the fault is still read.
 */
export async function firstBlock(chunks: ByteChunks): Promise<{ head: Uint8Array; chunks: ByteChunks }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  try {
    while (length < TAR_BLOCK) {
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      taken.push(next.value);
      length += next.value.length;
    }
  } catch (error) {
    failure = { error };
  }
  const head = Buffer.alloc(Math.min(length, TAR_BLOCK));
  let filled = 0;
  for (const chunk of taken) {
    if (filled === head.length) break;
    const part = chunk.subarray(0, head.length - filled);
    head.set(part, filled);
    filled += part.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      while (taken.length > 0) yield taken.shift() as Uint8Array;
      if (failure !== undefined) throw failure.error;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      if (!ended && failure === undefined) await iterator.return?.();
    }
  }
  return { head, chunks: replay() };
}
