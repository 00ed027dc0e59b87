import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectGoneError, ObjectReadError, openObject } from '../../functions/aws/object-body.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';

const BUCKET = 'logs';
const BODY = randomBytes(3 * 1024 * 1024 + 17);
const MD5 = createHash('md5').update(BODY).digest('hex');

let s3: S3Harness;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  await s3.put(BUCKET, 'big object.bin', BODY);
});

afterAll(async () => {
  await s3.close();
});

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('openObject', () => {
  it('streams the object and reports its unquoted ETag and size', async () => {
    const opened = await openObject(s3.client, { bucket: BUCKET, key: 'big object.bin' });
    expect(opened.etag).toBe(MD5);
    expect(opened.size).toBe(BODY.length);
    expect((await drain(opened.chunks)).equals(BODY)).toBe(true);
  });

  it('re-reads the rest with a Range after a cut connection: every byte exactly once', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint, cuts: 2, cutAfterBytes: 1_000_000 });
    const client = s3.clientFor(proxy.endpoint);
    try {
      const rereads: number[] = [];
      const opened = await openObject(client, { bucket: BUCKET, key: 'big object.bin', onReread: (offset) => rereads.push(offset) });
      const read = await drain(opened.chunks);
      expect(proxy.cutCount).toBe(2);
      expect(read.length).toBe(BODY.length);
      expect(read.equals(BODY)).toBe(true);
      // The proxy cut after 1,000,000 body bytes both times: the second GET asked from there, the third from 2,000,000.
      expect(rereads).toEqual([1_000_000, 2_000_000]);
      expect(proxy.gets.map((g) => g.range)).toEqual([undefined, 'bytes=1000000-', 'bytes=2000000-']);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('gives up with ObjectReadError (transient) when the connection keeps breaking', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint, cuts: Infinity, cutAfterBytes: 100_000 });
    const client = s3.clientFor(proxy.endpoint);
    try {
      const opened = await openObject(client, { bucket: BUCKET, key: 'big object.bin', maxRereads: 2 });
      const error = await drain(opened.chunks).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ObjectReadError);
      expect((error as ObjectReadError).offset).toBe(300_000);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('reports a missing object as ObjectGoneError', async () => {
    await expect(openObject(s3.client, { bucket: BUCKET, key: 'not there.log' })).rejects.toBeInstanceOf(ObjectGoneError);
  });
});
