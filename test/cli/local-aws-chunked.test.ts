import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsChunkedDecoder, AwsChunkedFormatError } from '../../functions/cli/local-aws-chunked.ts';
import { LOCAL_CREDENTIALS, startLocalS3, type LocalS3Server } from '../../functions/cli/local-s3-server.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';

/** A client with the SDK's default (flexible) checksums: streamed bodies go out aws-chunked with a trailer. */
function defaultClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS } });
}

async function putStream(client: S3Client, bucket: string, key: string, body: Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]), ContentLength: body.length }));
}

async function get(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

describe('local S3 server: uploads from clients with default checksums', () => {
  let dir: string;
  let local: LocalS3Server;
  let plain: S3Harness;
  const body = Buffer.from('<Event>…</Event>\n'.repeat(10_000));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'local-s3-'));
    local = await startLocalS3({ port: 0, directory: dir, buckets: ['logs'] });
    plain = await startS3(['logs']);
  });

  afterAll(async () => {
    await local.close();
    await plain.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the payload, not the aws-chunked framing', async () => {
    const client = defaultClient(local.endpoint);
    await putStream(client, 'logs', 'a b.log', body);
    const stored = await get(client, 'logs', 'a b.log');
    expect(stored.length).toBe(body.length);
    expect(stored.equals(body)).toBe(true);
    client.destroy();
  });

  it('(control) a plain s3rver stores the framing, so the upload above really was aws-chunked', async () => {
    const client = defaultClient(plain.endpoint);
    await putStream(client, 'logs', 'a b.log', body);
    const stored = await get(client, 'logs', 'a b.log');
    expect(stored.length).toBeGreaterThan(body.length);
    client.destroy();
  });
});

function frame(payload: Buffer, sizes: number[], options: { signed: boolean; trailer: boolean }): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    const piece = payload.subarray(at, at + size);
    at += piece.length;
    if (piece.length === 0) continue;
    const ext = options.signed ? `;chunk-signature=${'a'.repeat(64)}` : '';
    parts.push(Buffer.from(`${piece.length.toString(16)}${ext}\r\n`), piece, Buffer.from('\r\n'));
  }
  if (at < payload.length) {
    const rest = payload.subarray(at);
    parts.push(Buffer.from(`${rest.length.toString(16)}\r\n`), rest, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${options.signed ? `;chunk-signature=${'b'.repeat(64)}` : ''}\r\n`));
  if (options.trailer) parts.push(Buffer.from('x-amz-checksum-crc32:AAAAAA==\r\n'));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

async function decode(framed: Buffer, pieces: number[]): Promise<Buffer> {
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
  });
  let at = 0;
  for (const n of pieces) {
    decoder.write(framed.subarray(at, at + n));
    at += n;
  }
  decoder.end(framed.subarray(at));
  await done;
  return Buffer.concat(out);
}

describe('AwsChunkedDecoder', () => {
  it('recovers the payload whatever the chunk sizes and however the framed bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        async (bytes, sizes, splits, signed, trailer) => {
          const payload = Buffer.from(bytes);
          expect((await decode(frame(payload, sizes, { signed, trailer }), splits)).equals(payload)).toBe(true);
        },
      ),
    );
  });

  it('rejects a body that ends inside a chunk', async () => {
    const framed = frame(Buffer.from('hello world'), [5], { signed: false, trailer: false });
    await expect(decode(framed.subarray(0, 8), [])).rejects.toBeInstanceOf(AwsChunkedFormatError);
  });

  it('rejects a bad size line', async () => {
    await expect(decode(Buffer.from('zz\r\nhello\r\n0\r\n\r\n'), [])).rejects.toThrow(/bad chunk size line/);
  });
});
