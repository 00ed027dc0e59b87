/**
 * Text encoding of XML inputs: everything downstream scans UTF-8 bytes. UTF-8 (with or without BOM) passes through
 * untouched, so offsets stay file offsets and a UTF-8 BOM is left for the reader to skip. UTF-16LE (`wevtutil` and
 * PowerShell `Out-File` write it) is transcoded to UTF-8 on the fly, chunk by chunk; its BOM is dropped, so offsets then
 * count UTF-8 bytes of the transcoded text from the first character after the BOM.
 */
import { Buffer } from 'node:buffer';
import { peekChunks } from './detect-format.ts';
import type { ByteChunks } from './raw-event.ts';

/** How a text stream was encoded. */
export type TextEncoding = 'utf-8' | 'utf-16le';

/** The encoding of a text stream from its first two bytes: FF FE, or an ASCII character followed by 00, is UTF-16LE. */
export function sniffTextEncoding(head: Uint8Array): TextEncoding {
  const first = head[0];
  const second = head[1];
  if (first === 0xff && second === 0xfe) return 'utf-16le';
  if (first !== undefined && first !== 0x00 && first < 0x80 && second === 0x00) return 'utf-16le';
  return 'utf-8';
}

/** The stream as UTF-8 bytes: untouched when it already is, transcoded when it is UTF-16LE. */
export async function* utf8Chunks(chunks: ByteChunks): AsyncGenerator<Uint8Array> {
  const peeked = await peekChunks(chunks, 2);
  if (sniffTextEncoding(peeked.head) === 'utf-8') {
    yield* peeked.chunks;
    return;
  }
  // A streaming decoder carries a split code unit or surrogate pair over to the next chunk; lone surrogates and a dangling
  // odd byte become U+FFFD. It drops the BOM itself.
  const decoder = new TextDecoder('utf-16le');
  for await (const chunk of peeked.chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield Buffer.from(tail, 'utf8');
}
