/**
 * Format sniffing: which reader a decompressed stream needs, from its first bytes only. Names and extensions are never
 * consulted (S3 keys lie; `.log` holds XML, JSON or EVTX alike).
 */
import { Buffer } from 'node:buffer';
import type { ByteChunks } from './raw-event.ts';

/** What a decompressed stream holds. */
export type Format = 'xml' | 'jsonl' | 'evtx' | 'unknown';

/** The EVTX file header magic, `ElfFile\0`. */
const EVTX_MAGIC = [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00];
const QUOTE = 0x22;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * evtx_dump's default output starts with a `Record <n>` line before each pretty-printed object (the JSON reader skips
 * those lines). The head may end inside the number: digits up to its end count.
 */
function isRecordSeparator(text: Uint8Array): boolean {
  const match = /^Record (\d+)(\r?\n|$)/.exec(Buffer.from(text).toString('latin1'));
  return match !== null;
}

function classify(byte: number | undefined): Format {
  if (byte === 0x3c) return 'xml';
  if (byte === 0x7b || byte === 0x5b) return 'jsonl';
  return 'unknown';
}

/**
 * The format of a stream from its first bytes: EVTX magic; else, after an optional UTF-8 BOM, UTF-16LE BOM (FF FE) or
 * BOM-less UTF-16LE (`<\0`) and leading whitespace, `<` → xml and `{` or `[` → jsonl. A `"` right before the `<` is
 * XML too: events exported quoted as one string (splunk/attack_data T1003/test/sysmon.log); the XML reader reports the
 * quote and whatever else lies between the events as stray content. A first line `Record <n>` is evtx_dump's JSON.
 */
export function detectFormat(head: Uint8Array): Format {
  if (head.length >= EVTX_MAGIC.length && EVTX_MAGIC.every((byte, i) => head[i] === byte)) return 'evtx';
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[1] === 0x00 && head[0] !== 0x00);
  if (utf16) {
    // UTF-16LE: ASCII characters are (byte, 0x00) pairs.
    i = head[0] === 0xff ? 2 : 0;
    while (i + 1 < head.length && head[i + 1] === 0x00 && isSpace(head[i])) i += 2;
    if (head[i] === QUOTE && head[i + 1] === 0x00 && head[i + 2] === 0x3c && head[i + 3] === 0x00) return 'xml';
    return head[i + 1] === 0x00 ? classify(head[i]) : 'unknown';
  }
  while (i < head.length && isSpace(head[i])) i += 1;
  if (head[i] === QUOTE && head[i + 1] === 0x3c) return 'xml';
  if (isRecordSeparator(head.subarray(i))) return 'jsonl';
  return classify(head[i]);
}

/** The first bytes of a stream plus the whole stream again (those bytes included). */
export interface PeekedChunks {
  /** Up to `n` first bytes (fewer only when the stream is shorter); a copy. */
  head: Uint8Array;
  /** The stream from its first byte; single use, it continues the original iterator. */
  chunks: ByteChunks;
}

/** Reads the first `n` bytes of a stream without losing them: the returned chunks replay what was read, then continue. */
export async function peekChunks(chunks: ByteChunks, n: number): Promise<PeekedChunks> {
  const iterator = chunks[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    if (next.value.length === 0) continue;
    taken.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.alloc(Math.min(n, length));
  let filled = 0;
  for (const chunk of taken) {
    if (filled === head.length) break;
    const part = chunk.subarray(0, head.length - filled);
    head.set(part, filled);
    filled += part.length;
  }
  return { head, chunks: replay(taken, done ? undefined : iterator) };
}

async function* replay(taken: Uint8Array[], rest: AsyncIterator<Uint8Array> | undefined): AsyncGenerator<Uint8Array> {
  try {
    // Shift as we go so replayed chunks are not pinned in memory while the rest of the stream is read.
    while (taken.length > 0) yield taken.shift() as Uint8Array;
    if (rest === undefined) return;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    // An early stop by the consumer must release the underlying stream (an S3 body, a decompressor).
    await rest?.return?.();
  }
}
