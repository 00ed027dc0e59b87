/**
 * The CLI's read buffers: handed out by a pool, taken back once the scan is done with them, read into again. A buffer is
 * reused only after it came back, once, and a consumer that never gives any back (a decoder) gets fresh buffers.
 */
import { Buffer } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkPool, fileChunks, type ReadMode } from '../../functions/cli/file-sources.ts';
import { Scan } from '../../functions/core/scan.ts';
import { fixture, truePositive } from '../core/event-variants.ts';

const dir = mkdtempSync(join(tmpdir(), 'chunk-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ChunkPool', () => {
  it('reuses a buffer only after it came back, and only once', () => {
    const pool = new ChunkPool();
    const a = pool.take();
    const b = pool.take();
    expect(a.buffer).not.toBe(b.buffer);
    pool.release(a.subarray(0, 10));
    pool.release(a.subarray(0, 20));
    const c = pool.take();
    expect(c.buffer).toBe(a.buffer);
    // Released twice, handed out once: the next one is new.
    expect(pool.take().buffer).not.toBe(a.buffer);
  });

  it('ignores chunks it did not hand out', () => {
    const pool = new ChunkPool();
    pool.take();
    pool.release(Buffer.alloc(1024 * 1024));
    expect(pool.take().length).toBe(1024 * 1024);
  });

  it('reads into adopted buffers from then on, and tells apart chunks of the one memory they share', () => {
    const pool = new ChunkPool();
    const own = pool.take();
    const memory = new ArrayBuffer(3 * pool.chunkBytes);
    const adopted = [0, 1, 2].map((k) => Buffer.from(memory, k * pool.chunkBytes, pool.chunkBytes));
    pool.adopt(adopted);
    const a = pool.take();
    const b = pool.take();
    expect([a, b].map((x) => [x.buffer === memory, x.byteOffset])).toEqual([
      [true, 2 * pool.chunkBytes],
      [true, pool.chunkBytes],
    ]);
    // The second buffer comes back (a chunk of it): the next take is that one, not the first.
    pool.release(b.subarray(0, 100));
    expect(pool.take().byteOffset).toBe(pool.chunkBytes);
    // The pool's own buffer, handed out before, is let go.
    pool.release(own);
    expect(pool.take().byteOffset).toBe(0);
    expect(pool.take().buffer).not.toBe(own.buffer);
  });

  it('stops expecting buffers back when the first ones never came (a decoder holds them)', () => {
    const pool = new ChunkPool();
    const first = [pool.take(), pool.take(), pool.take(), pool.take(), pool.take()];
    pool.release(first[4] as Buffer);
    expect(first.map((b) => b.buffer)).not.toContain(pool.take().buffer);
  });
});

describe('fileChunks with a pool, scanned by Scan', () => {
  const text = [fixture('xml/iis-appcmd-discovery.xml.log'), truePositive({ recordId: '7001' }), fixture('xml/credential-dumping-via-copy.log')].join('\n');
  const path = join(dir, 'big.xml');
  // About 6 MiB: six 1 MiB reads, events cut at every chunk end.
  writeFileSync(path, `${text}\n`.repeat(Math.ceil((6 * 1024 * 1024) / (text.length + 1))));

  it('gives the same report and rows as fresh buffers, reading into a few buffers again and again', async () => {
    const plain = new Scan();
    const { durationMs: _a, ...expected } = await plain.scanSource({ kind: 'file', path }, fileChunks(path));
    const pool = new ChunkPool();
    const seen = new Set<ArrayBufferLike>();
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of fileChunks(path, undefined, pool)) {
        seen.add(chunk.buffer);
        yield chunk;
      }
    };
    const pooled = new Scan();
    const { durationMs: _b, ...report } = await pooled.scanSource({ kind: 'file', path }, chunks(), { recycler: pool });
    expect(report).toEqual(expected);
    expect(pooled.findings()).toEqual(plain.findings());
    expect(plain.findings().length).toBeGreaterThan(0);
    expect(seen.size).toBeLessThanOrEqual(4);
  });
});

describe('fileChunks read modes', () => {
  const path = join(dir, 'modes.bin');
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 12_345);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 7919) % 251;
  writeFileSync(path, bytes);

  it.each<ReadMode>(['ahead', 'sync'])('%s: the bytes of the file in 1 MiB chunks, with or without a pool, counted as read', async (mode) => {
    for (const pool of [undefined, new ChunkPool()]) {
      const parts: Buffer[] = [];
      let counted = 0;
      for await (const chunk of fileChunks(path, (n) => (counted += n), pool, mode)) {
        parts.push(Buffer.from(chunk));
        pool?.release(chunk);
      }
      expect(Buffer.concat(parts).equals(readFileSync(path))).toBe(true);
      expect(parts.map((p) => p.length)).toEqual([1048576, 1048576, 1048576, 12_345]);
      expect(counted).toBe(bytes.length);
    }
  });

  it.each<ReadMode>(['ahead', 'sync'])('%s: a missing file rejects with ENOENT on the first read', async (mode) => {
    const chunks = fileChunks(join(dir, 'missing.xml'), undefined, undefined, mode);
    await expect(chunks.next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
