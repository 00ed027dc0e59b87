/**
 * A large object's bytes from parallel ranged GETs, as one ordered stream. The object is cut into parts of `partSize`
 * bytes; up to `concurrency` parts are read at once, each into its own queue, and the consumer drains the parts in
 * order. A part starts only when the consumer has finished the part `concurrency` places before it, so at most
 * `concurrency` parts are in flight or buffered (≤ concurrency × partSize bytes) however slow the consumer is.
 * Part 0 is the first GetObject's body (the whole object's stream, cut at partSize); every later part is a ranged GET
 * with If-Match (object-range.ts), re-read from where it broke within the object's re-read budget.
 */
import { rangeChunks, type Body, type ObjectReads } from './object-range.ts';

/** How to cut and read the object. */
export interface RangedBodyOptions {
  /** Object size in bytes (Content-Length of the first response). */
  size: number;
  partSize: number;
  /** Parts in flight or buffered at once (≥ 1). */
  concurrency: number;
  /** The first response's body: bytes from 0, running to the end of the object. */
  first: Body;
}

/** The ordered chunks, and a way to stop every request at once. */
export interface RangedBody {
  chunks: AsyncGenerator<Uint8Array>;
  /** Aborts every request and drops what was buffered; the chunks then end. */
  close(): void;
}

const EMPTY = new Uint8Array(0);

/** One part being read: its queue of chunks not yet consumed, and how it ended. */
interface Part {
  /** Chunks received; `queue[taken]` is the next one for the consumer (an index, not shift(): a 1 GiB part is ~16k chunks). */
  queue: Uint8Array[];
  taken: number;
  done: boolean;
  failure: { error: unknown } | undefined;
  /** Set while the consumer waits for this part. */
  wake: (() => void) | undefined;
}

/** The object's chunks from parallel ranged GETs, in order; `reads.signal` must be the one `close` aborts. */
export function rangedBody(reads: ObjectReads, options: RangedBodyOptions, abort: () => void): RangedBody {
  const { size, partSize, concurrency } = options;
  if (!(partSize >= 1 && concurrency >= 1)) throw new RangeError(`partSize (${partSize}) and concurrency (${concurrency}) must be ≥ 1`);
  const partCount = Math.ceil(size / partSize);
  const parts = new Map<number, Part>();
  let closed = false;

  function startPart(index: number): Part {
    const part: Part = { queue: [], taken: 0, done: false, failure: undefined, wake: undefined };
    const start = index * partSize;
    const end = Math.min(size, start + partSize);
    const spec = index === 0 ? { start, end, first: options.first, firstRunsPastEnd: end < size } : { start, end };
    void (async () => {
      try {
        for await (const chunk of rangeChunks(reads, spec)) {
          if (closed) return;
          part.queue.push(chunk);
          reads.stats.bufferedBytes += chunk.byteLength;
          if (reads.stats.bufferedBytes > reads.stats.peakBufferedBytes) reads.stats.peakBufferedBytes = reads.stats.bufferedBytes;
          part.wake?.();
        }
        part.done = true;
      } catch (error) {
        part.failure = { error };
      } finally {
        part.wake?.();
      }
    })();
    return part;
  }

  function close(): void {
    if (closed) return;
    closed = true;
    abort();
    for (const part of parts.values()) {
      for (const chunk of part.queue.slice(part.taken)) reads.stats.bufferedBytes -= chunk.byteLength;
      part.queue = [];
      part.taken = 0;
      part.wake?.();
    }
    parts.clear();
  }

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let started = 0;
    try {
      for (let head = 0; head < partCount; head += 1) {
        if (closed) return;
        for (; started < Math.min(partCount, head + concurrency); started += 1) parts.set(started, startPart(started));
        const part = parts.get(head);
        if (part === undefined) return;
        for (;;) {
          const chunk = part.queue[part.taken];
          if (chunk !== undefined) {
            // Drop the reference as it is handed over, so a consumed chunk can be collected.
            part.queue[part.taken] = EMPTY;
            part.taken += 1;
            reads.stats.bufferedBytes -= chunk.byteLength;
            yield chunk;
            continue;
          }
          if (closed) return;
          if (part.failure !== undefined) throw part.failure.error;
          if (part.done) break;
          await new Promise<void>((resolve) => {
            part.wake = resolve;
          });
          part.wake = undefined;
        }
        parts.delete(head);
      }
    } finally {
      close();
    }
  }

  return { chunks: chunks(), close };
}
