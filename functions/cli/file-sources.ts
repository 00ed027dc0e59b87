/**
 * Command-line inputs → the files to scan: directories walked recursively in name order (so output order is stable), symlink
 * loops cut, unreadable paths reported by name instead of aborting the rest.
 */
import { Buffer } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ChunkRecycler } from '../core/read/raw-event.ts';

/** A file to scan. */
export interface InputFile {
  path: string;
  size: number;
}

/** An input that could not be read, with the reason. */
export interface InputError {
  path: string;
  message: string;
}

/** Expands paths into files; errors are collected, not thrown. */
export async function expandInputs(paths: readonly string[]): Promise<{ files: InputFile[]; errors: InputError[] }> {
  const files: InputFile[] = [];
  const errors: InputError[] = [];
  const seenDirs = new Set<string>();
  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      errors.push({ path, message: describe(error) });
      return;
    }
    if (info.isFile()) {
      files.push({ path, size: info.size });
      return;
    }
    if (!info.isDirectory()) {
      errors.push({ path, message: 'not a regular file or directory' });
      return;
    }
    const real = await realpath(path);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let names: string[];
    try {
      names = (await readdir(path)).sort();
    } catch (error) {
      errors.push({ path, message: describe(error) });
      return;
    }
    for (const name of names) await visit(join(path, name));
  };
  for (const path of paths) await visit(path);
  return { files, errors };
}

const CHUNK_BYTES = 1024 * 1024;

/** Released buffers kept for reuse: the reader holds at most two chunks, one more may be being read. */
const POOL_KEEP = 4;
/** Buffers handed out that may still come back (see ChunkPool#out). */
const POOL_TRACKED = 4;
/** Buffers handed out before a pool that got none back stops expecting any. */
const POOL_LEARN = 4;

/**
 * The read buffers of fileChunks, reused once the scan hands them back (ChunkRecycler): a fresh 1 MiB buffer per read costs
 * page faults, measured 0.15 CPU-s per GB of plain XML on one core. A buffer not handed back is simply not reused.
 */
export class ChunkPool implements ChunkRecycler {
  readonly #free: Buffer[] = [];
  /** The last buffers handed out and not back yet: only these can come back. */
  readonly #out: Buffer[] = [];
  #taken = 0;
  /**
   * Whether the consumer gives buffers back: a text reader does from its third chunk on; a decoder or an archive reader never
   * does, and then tracking would only keep its buffers alive (into V8's old generation: +45 MB peak RSS on a 1 GB .gz).
   */
  #recycling: boolean | undefined;

  /** A 1 MiB buffer: a released one when there is one. */
  take(): Buffer {
    this.#taken += 1;
    if (this.#recycling === undefined && this.#taken > POOL_LEARN) {
      this.#recycling = false;
      this.#out.length = 0;
    }
    const buffer = this.#free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
    if (this.#recycling !== false) {
      this.#out.push(buffer);
      if (this.#out.length > POOL_TRACKED) this.#out.shift();
    }
    return buffer;
  }

  /** The size of every buffer this pool hands out (ChunkRecycler.chunkBytes). */
  readonly chunkBytes = CHUNK_BYTES;

  /**
   * Reads go into the consumer's buffers from now on (ChunkRecycler.adopt: the XML reader scans them without a copy).
   */
  adopt(buffers: readonly Uint8Array[]): void {
    // The pool's own buffers are let go, those in use too (released, they are not taken back), so that every read after
    // the ones in flight goes into the adopted buffers.
    this.#free.length = 0;
    this.#out.length = 0;
    // A consumer that offers buffers gives them back.
    this.#recycling = true;
    for (const buffer of buffers) {
      if (buffer.length === CHUNK_BYTES) this.#free.push(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    }
  }

  /** Takes back the buffer a chunk views, once; chunks of other memory are ignored. */
  release(chunk: Uint8Array): void {
    // Adopted buffers share one ArrayBuffer (the kernel's memory): a chunk is matched by where it lies, not only by its memory.
    const at = this.#out.findIndex(
      (buffer) => buffer.buffer === chunk.buffer && chunk.byteOffset >= buffer.byteOffset && chunk.byteOffset < buffer.byteOffset + buffer.length,
    );
    if (at < 0) return;
    this.#recycling = true;
    const [buffer] = this.#out.splice(at, 1);
    if (buffer !== undefined && this.#free.length < POOL_KEEP) this.#free.push(buffer);
  }
}

/** How fileChunks reads: `ahead` keeps the next read in flight on the thread pool, `sync` reads when asked. */
export type ReadMode = 'ahead' | 'sync';

/**
 * The read mode for this process: ahead when a second core can run the reads beside the scan, else synchronous, as a promise
 * per read and its thread-pool hand-off then cost more than they overlap (a 1 GB XML scan pinned to one core: 0.91 s in
 * sync against 0.96 s ahead; free to use two cores: 0.71 s ahead against 0.80 s in sync).
 */
export function defaultReadMode(): ReadMode {
  return availableParallelism() > 1 ? 'ahead' : 'sync';
}

/**
 * The file's bytes as 1 MiB chunks (the 64 KiB default halves throughput: performance-notes.md §3). With a `pool`, reads go
 * into its buffers (hand the pool to the scan, which gives them back).
 */
export function fileChunks(
  path: string,
  onRead?: (bytes: number) => void,
  pool?: ChunkPool,
  mode: ReadMode = defaultReadMode(),
): AsyncGenerator<Uint8Array> {
  const buffer = (): Buffer => (pool === undefined ? Buffer.allocUnsafeSlow(CHUNK_BYTES) : pool.take());
  switch (mode) {
    case 'ahead':
      return readAhead(path, buffer, onRead);
    case 'sync':
      return readWhenAsked(path, buffer, onRead);
  }
}

/** The next read in flight ahead of the consumer: a read stream starts the next read only when its buffer drains. */
async function* readAhead(path: string, buffer: () => Buffer, onRead?: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  let ahead: Promise<Buffer> | undefined;
  try {
    let position = 0;
    const readNext = (): Promise<Buffer> => {
      const into = buffer();
      const read = file.read(into, 0, CHUNK_BYTES, position).then(({ bytesRead }) => into.subarray(0, bytesRead));
      position += CHUNK_BYTES;
      // Marked handled now: a failed read ahead is thrown when its turn comes, not reported as an unhandled rejection.
      read.catch(() => undefined);
      return read;
    };
    ahead = readNext();
    for (;;) {
      const chunk = await ahead;
      ahead = undefined;
      if (chunk.length === 0) return;
      ahead = readNext();
      onRead?.(chunk.length);
      yield chunk;
    }
  } finally {
    // A read still in flight finishes before the file is closed (its result is dropped).
    if (ahead !== undefined) await Promise.allSettled([ahead]);
    await file.close();
  }
}

async function* readWhenAsked(path: string, buffer: () => Buffer, onRead?: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (let position = 0; ; ) {
      const into = buffer();
      const bytesRead = readSync(fd, into, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      onRead?.(bytesRead);
      yield into.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

/** A short, user-facing reason for a file-system error (ENOENT → "no such file or directory"). */
export function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e.message ?? String(error);
  }
}
