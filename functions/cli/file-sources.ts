/**
 * Command-line inputs → the files to scan: directories walked recursively in name order (so output order is stable), symlink
 * loops cut, unreadable paths reported by name instead of aborting the rest.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
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
/** Reads kept in flight ahead of the consumer (2 measured 25 MB more peak RSS, no faster), so the next chunk is in memory when the scan asks for it. */
const READ_AHEAD = 1;

/** Released buffers kept for reuse: the reader holds at most two chunks, one more is being read. */
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

  /** Takes back the buffer a chunk views, once; chunks of other memory are ignored. */
  release(chunk: Uint8Array): void {
    const at = this.#out.findIndex((buffer) => buffer.buffer === chunk.buffer);
    if (at < 0) return;
    this.#recycling = true;
    const [buffer] = this.#out.splice(at, 1);
    if (buffer !== undefined && this.#free.length < POOL_KEEP) this.#free.push(buffer);
  }
}

/**
 * The file's bytes as 1 MiB chunks (the 64 KiB default halves throughput: performance-notes.md §3), with the next read in flight
 * ahead of the consumer: a read stream starts the next read only when its buffer drains, and the scan then waits for it.
 * With a `pool`, reads go into its buffers (hand the pool to the scan, which gives them back).
 */
export async function* fileChunks(path: string, onRead?: (bytes: number) => void, pool?: ChunkPool): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  const ahead: Array<Promise<Buffer>> = [];
  try {
    let position = 0;
    const readNext = (): void => {
      const buffer = pool === undefined ? Buffer.allocUnsafeSlow(CHUNK_BYTES) : pool.take();
      const at = position;
      position += CHUNK_BYTES;
      const read = file.read(buffer, 0, CHUNK_BYTES, at).then(({ bytesRead }) => buffer.subarray(0, bytesRead));
      // Marked handled now: a failed read ahead is thrown when its turn comes, not reported as an unhandled rejection.
      read.catch(() => undefined);
      ahead.push(read);
    };
    for (let i = 0; i < READ_AHEAD; i += 1) readNext();
    for (;;) {
      const chunk = await (ahead.shift() as Promise<Buffer>);
      if (chunk.length === 0) return;
      readNext();
      onRead?.(chunk.length);
      yield chunk;
    }
  } finally {
    // Reads still in flight finish before the file is closed (their results are dropped).
    await Promise.allSettled(ahead);
    await file.close();
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
