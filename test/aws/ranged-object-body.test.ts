/**
 * Large objects read with parallel ranged GETs (openObject with concurrency > 1) against a real s3rver and the real SDK:
 * byte-exact around part boundaries, order kept when later parts answer first, a broken part re-read from where it broke,
 * a replaced or deleted object refused, nothing left open after an early close, and the buffered bytes bounded by
 * concurrency × part size under a slow consumer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectReadError, openObject, type OpenedObject } from '../../functions/aws/object-body.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { startScriptedProxy, type GetScript, type ScriptedProxy, type SeenGet } from '../support/scripted-proxy.ts';

const BUCKET = 'logs';
/** Small parts keep the objects small; the code does not care about the size. */
const PART = 64 * 1024;
const SIZES = [0, 1, PART - 1, PART, PART + 1, 2 * PART, 2 * PART + 1, 3 * PART - 1, 3 * PART, 5 * PART + 3];
const CONCURRENCIES = [1, 2, 4];
const bodies = new Map<number, Buffer>();
let s3: S3Harness;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  for (const size of SIZES) {
    const body = randomBytes(size);
    bodies.set(size, body);
    await s3.put(BUCKET, `sizes/${size}.bin`, body);
  }
});

afterAll(async () => {
  await s3.close();
});

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Polls until `condition` holds or `ms` passed; returns whether it held (the machine is shared: no fixed sleeps). */
async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await sleep(10);
  return condition();
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A client through a scripted proxy, closed after `run`. */
async function viaProxy<T>(script: (get: SeenGet, index: number) => GetScript, run: (client: ReturnType<S3Harness['clientFor']>, proxy: ScriptedProxy) => Promise<T>): Promise<T> {
  const proxy = await startScriptedProxy(s3.endpoint, script);
  const client = s3.clientFor(proxy.endpoint);
  try {
    return await run(client, proxy);
  } finally {
    client.destroy();
    await proxy.close();
  }
}

/** The Range header of part `index`; the last part asks for the rest of the object, open-ended. */
const rangeOf = (index: number, size: number): string => `bytes=${index * PART}-${(index + 1) * PART >= size ? '' : (index + 1) * PART - 1}`;

describe('parallel ranged reads', () => {
  const cases = SIZES.flatMap((size) => CONCURRENCIES.map((concurrency) => [size, concurrency] as const));

  it.each(cases)('size %i, concurrency %i: every byte once, in order; If-Match on every ranged GET', async (size, concurrency) => {
    const body = bodies.get(size) as Buffer;
    await viaProxy(
      () => ({}),
      async (client, proxy) => {
        const opened = await openObject(client, { bucket: BUCKET, key: `sizes/${size}.bin`, partSize: PART, concurrency });
        const read = await drain(opened.chunks);
        expect(read.length).toBe(size);
        expect(read.equals(body)).toBe(true);
        const ranged = concurrency > 1 && size > 2 * PART;
        expect(opened.stats.mode).toBe(ranged ? 'ranged' : 'single');
        const parts = Math.ceil(size / PART);
        // Part 0 is the first GET's body; parts 1… are one ranged GET each.
        const expected = ranged ? [undefined, ...Array.from({ length: parts - 1 }, (_, i) => rangeOf(i + 1, size))] : [undefined];
        expect(proxy.gets.map((g) => g.range).sort()).toEqual([...expected].sort());
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        for (const get of proxy.gets.filter((g) => g.range !== undefined)) expect(get.ifMatch).toBe(etag);
        expect(opened.stats).toMatchObject({ requests: expected.length, rereads: 0, inFlight: 0, bufferedBytes: 0 });
        opened.close();
      },
    );
  });

  it('keeps the order when later parts answer first', async () => {
    const size = 5 * PART + 3;
    const body = bodies.get(size) as Buffer;
    await viaProxy(
      (get) => (get.range === rangeOf(1, size) ? { delayMs: 300 } : {}),
      async (client, proxy) => {
        const opened = await openObject(client, { bucket: BUCKET, key: `sizes/${size}.bin`, partSize: PART, concurrency: 4 });
        expect((await drain(opened.chunks)).equals(body)).toBe(true);
        // Parts 2 and 3 were requested with part 1 and finished before it.
        const finished = proxy.finished.filter((range) => range !== undefined);
        expect(finished.indexOf(rangeOf(2, size))).toBeLessThan(finished.indexOf(rangeOf(1, size)));
        expect(finished.indexOf(rangeOf(3, size))).toBeLessThan(finished.indexOf(rangeOf(1, size)));
      },
    );
  });

  it('re-reads a part cut mid-body from the byte it reached (the first GET and a ranged part)', async () => {
    const size = 5 * PART + 3;
    const body = bodies.get(size) as Buffer;
    const cutOnce = new Set([undefined, rangeOf(2, size)]);
    await viaProxy(
      (get) => {
        if (!cutOnce.delete(get.range)) return {};
        return { cutAfterBytes: get.range === undefined ? 30_000 : 10_000 };
      },
      async (client, proxy) => {
        const rereads: number[] = [];
        const opened = await openObject(client, { bucket: BUCKET, key: `sizes/${size}.bin`, partSize: PART, concurrency: 4, onReread: (offset) => rereads.push(offset) });
        const read = await drain(opened.chunks);
        expect(read.length).toBe(size);
        expect(read.equals(body)).toBe(true);
        expect(rereads.sort((a, b) => a - b)).toEqual([30_000, 2 * PART + 10_000]);
        const ranges = proxy.gets.map((g) => g.range);
        expect(ranges).toContain(`bytes=30000-${PART - 1}`);
        expect(ranges).toContain(`bytes=${2 * PART + 10_000}-${3 * PART - 1}`);
        expect(opened.stats).toMatchObject({ rereads: 2, requests: 6 + 2, inFlight: 0 });
      },
    );
  });

  it('gives up with ObjectReadError when parts keep breaking: one re-read budget for the whole object', async () => {
    const size = 5 * PART + 3;
    await viaProxy(
      () => ({ cutAfterBytes: 1000 }),
      async (client) => {
        const opened = await openObject(client, { bucket: BUCKET, key: `sizes/${size}.bin`, partSize: PART, concurrency: 4, maxRereads: 2 });
        const error = await failure(drain(opened.chunks));
        expect(error).toBeInstanceOf(ObjectReadError);
        expect((error as ObjectReadError).message).toMatch(/failed at byte \d+/);
        expect(opened.stats.rereads).toBe(2);
        opened.close();
      },
    );
  });

  it.each([
    ['replaced, server ignores If-Match (s3rver): the ETag differs', 'replace', false, /changed while being read \(ETag "/],
    ['replaced, server enforces If-Match (S3): 412', 'replace', true, /changed while being read \(If-Match failed\)/],
    ['deleted', 'delete', false, /changed while being read \(it no longer exists\)/],
  ] as const)('an object %s mid-read gives ObjectReadError', async (_name, action, enforceIfMatch, message) => {
    const key = `changing/${action}-${String(enforceIfMatch)}.bin`;
    const size = 16 * PART;
    await s3.put(BUCKET, key, randomBytes(size));
    await viaProxy(
      () => ({ enforceIfMatch }),
      async (client) => {
        const opened = await openObject(client, { bucket: BUCKET, key, partSize: PART, concurrency: 2 });
        const iterator = opened.chunks[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        // Parts 0 and 1 are read whole before the change; parts 2… are requested after it.
        expect(await eventually(() => opened.stats.inFlight === 0, 5000)).toBe(true);
        if (action === 'replace') await s3.put(BUCKET, key, randomBytes(size));
        else await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        const error = await failure(drain({ [Symbol.asyncIterator]: () => iterator }));
        expect(error).toBeInstanceOf(ObjectReadError);
        expect((error as Error).message).toMatch(message);
        expect((error as ObjectReadError).offset).toBeGreaterThanOrEqual(2 * PART);
        opened.close();
      },
    );
  });

  it.each([
    ['close()', (opened: OpenedObject) => opened.close()],
    ['return() of the iterator', (opened: OpenedObject) => void (opened.chunks as AsyncGenerator<Uint8Array>).return(undefined)],
  ])('an early %s aborts every request in flight', async (_name, stop) => {
    const size = 5 * PART + 3;
    await viaProxy(
      // Parts 2 and 3 answer only after 10 s: without an abort they would still be open when the test looks.
      (get) => (get.range === rangeOf(2, size) || get.range === rangeOf(3, size) ? { delayMs: 10_000 } : {}),
      async (client, proxy) => {
        const opened = await openObject(client, { bucket: BUCKET, key: `sizes/${size}.bin`, partSize: PART, concurrency: 4 });
        const iterator = opened.chunks[Symbol.asyncIterator]();
        expect((await iterator.next()).done).toBe(false);
        expect(await eventually(() => proxy.gets.length === 4, 5000)).toBe(true);
        expect(proxy.open).toBeGreaterThanOrEqual(2);
        stop(opened);
        expect(await eventually(() => proxy.open === 0, 3000)).toBe(true);
        expect(opened.stats).toMatchObject({ inFlight: 0, bufferedBytes: 0 });
        expect(await iterator.next()).toEqual({ done: true, value: undefined });
        expect(proxy.gets.length).toBe(4);
      },
    );
  });

  it('close() before the first chunk releases the first response and starts no part', async () => {
    const size = 5 * PART + 3;
    await viaProxy(
      () => ({}),
      async (client, proxy) => {
        const opened = await openObject(client, { bucket: BUCKET, key: `sizes/${size}.bin`, partSize: PART, concurrency: 4 });
        opened.close();
        expect(await drain(opened.chunks)).toHaveLength(0);
        expect(await eventually(() => proxy.open === 0, 3000)).toBe(true);
        expect(proxy.gets.map((g) => g.range)).toEqual([undefined]);
        expect(opened.stats.inFlight).toBe(0);
      },
    );
  });

  it('a slow consumer over a 64 MB object: buffered bytes stay ≤ concurrency × part size', async () => {
    const size = 64 * 1024 * 1024;
    const partSize = 1024 * 1024;
    const concurrency = 4;
    const body = randomBytes(size);
    await s3.put(BUCKET, 'big/64 MB.bin', body);
    const opened = await openObject(s3.client, { bucket: BUCKET, key: 'big/64 MB.bin', partSize, concurrency });
    const hash = createHash('sha256');
    let received = 0;
    let chunks = 0;
    let windowFilled = false;
    for await (const chunk of opened.chunks) {
      // The parts ahead of the consumer fill up: the bound is reached, not avoided by reading one part at a time.
      if (chunks === 0) windowFilled = await eventually(() => opened.stats.bufferedBytes >= (concurrency - 1) * partSize, 10_000);
      hash.update(chunk);
      received += chunk.byteLength;
      chunks += 1;
      // Slower than loopback S3 by far: the readers would run ahead if nothing held them back.
      if (chunks % 8 === 0) await sleep(5);
    }
    expect(received).toBe(size);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    expect(opened.stats.mode).toBe('ranged');
    expect(windowFilled).toBe(true);
    expect(opened.stats.peakBufferedBytes).toBeLessThanOrEqual(concurrency * partSize);
    expect(opened.stats.requests).toBe(size / partSize);
  }, 60_000);
});
