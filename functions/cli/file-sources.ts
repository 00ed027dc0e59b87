/**
 * Command-line inputs → the files to scan: directories walked recursively in name order (so output order is stable), symlink
 * loops cut, unreadable paths reported by name instead of aborting the rest.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

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

/** The file's bytes as 1 MiB chunks (the 64 KiB default halves throughput: performance-notes.md §3). */
export function fileChunks(path: string, onRead?: (bytes: number) => void): AsyncIterable<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  if (onRead === undefined) return stream;
  return (async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      onRead(chunk.byteLength);
      yield chunk;
    }
  })();
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
