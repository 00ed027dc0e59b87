/**
 * The loop every text reader runs: feed UTF-8 chunks (input bytes counted before any UTF-16 transcoding) to a framer, and
 * after each chunk yield what the framer's sink queued. Items are yielded per chunk, so memory holds one chunk's worth.
 */
import type { ByteChunks, ChunkRecycler, ReadItem } from './raw-event.ts';
import { utf8Chunks } from './text-encoding.ts';

/** A byte-level framer: its sink queues items synchronously while it scans. */
export interface Framer {
  push(chunk: Uint8Array): void;
  finish(): void;
}

/**
 * Runs `framer` over `chunks`, yielding and emptying `queue` (which the framer's sink fills) after every chunk. With a
 * `recycler`, each chunk is handed back once the next one was pushed: a framer keeps bytes of the chunk it was last given
 * (an event cut at its end), copying them on the next push, and never any older ones.
 */
export async function* framedItems(
  chunks: ByteChunks,
  stats: { bytes: number },
  framer: Framer,
  queue: ReadItem[],
  recycler?: ChunkRecycler,
): AsyncGenerator<ReadItem> {
  let previous: Uint8Array | undefined;
  for await (const chunk of utf8Chunks(countBytes(chunks, stats))) {
    framer.push(chunk);
    if (previous !== undefined) recycler?.release(previous);
    previous = chunk;
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
