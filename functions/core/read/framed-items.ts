/**
 * The loop every text reader runs: feed UTF-8 chunks (input bytes counted before any UTF-16 transcoding) to a framer, and
 * after each chunk yield what the framer's sink queued. Items are yielded per chunk, so memory holds one chunk's worth.
 */
import type { ByteChunks, ReadItem } from './raw-event.ts';
import { utf8Chunks } from './text-encoding.ts';

/** A byte-level framer: its sink queues items synchronously while it scans. */
export interface Framer {
  push(chunk: Uint8Array): void;
  finish(): void;
}

/** Runs `framer` over `chunks`, yielding and emptying `queue` (which the framer's sink fills) after every chunk. */
export async function* framedItems(chunks: ByteChunks, stats: { bytes: number }, framer: Framer, queue: ReadItem[]): AsyncGenerator<ReadItem> {
  for await (const chunk of utf8Chunks(countBytes(chunks, stats))) {
    framer.push(chunk);
    if (queue.length > 0) yield* queue.splice(0, queue.length);
  }
  framer.finish();
  yield* queue.splice(0, queue.length);
}

async function* countBytes(chunks: ByteChunks, stats: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    stats.bytes += chunk.length;
    yield chunk;
  }
}
