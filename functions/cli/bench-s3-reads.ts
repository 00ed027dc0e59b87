/**
 * S3 read throughput for the bench: starts the embedded S3 server of `npm start` (local-s3-server.ts) on 127.0.0.1,
 * uploads one file, and reads it back through openObject — the function the Lambda reads with — once as one GetObject
 * stream and once per parallel configuration (part size × concurrency). Each configuration is read twice: a timed pass
 * that only counts bytes (sha256 here runs at ~0.7 GB/s and would be the bottleneck), then a pass that checks the bytes
 * against the file's size and sha256. Loopback figures: s3rver serves from disk through Node, in this process and on
 * this event loop, so they show the reader's overhead and ordering, not what S3's network would give.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CONFIG_DEFAULTS } from '../aws/config.ts';
import { openObject, type ObjectReadStats } from '../aws/object-body.ts';
import { s3ClientConfig } from '../aws/s3-client.ts';
import { LOCAL_CREDENTIALS, startLocalS3 } from './local-s3-server.ts';

/** One read configuration, measured. */
export interface S3ReadResult {
  /** `single` = one GetObject stream (concurrency 1, or an object of two parts or less). */
  mode: ObjectReadStats['mode'];
  partSize: number;
  concurrency: number;
  bytes: number;
  seconds: number;
  /** Decimal MB (1e6 bytes) per second of the timed pass. */
  mbPerSecond: number;
  /** GetObject requests of the timed pass (the first one included). */
  requests: number;
  rereads: number;
  /** Most bytes received and not yet consumed at once (ranged mode; 0 for one stream). */
  peakBufferedBytes: number;
  /** The verification pass read exactly the file's size and sha256. */
  sizeMatches: boolean;
  sha256Matches: boolean;
}

/** Which configurations to read with. */
export interface S3ReadOptions {
  /** Default: the configured default (8 MiB). */
  partSizes?: number[];
  /** Default: 1, 2, 4, 8. 1 is the single stream, measured once whatever the part sizes. */
  concurrencies?: number[];
}

const BUCKET = 'bench-reads';
const KEY = 'bench/object';

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** Uploads `file` to a fresh embedded S3 server and times reading it back with each configuration. */
export async function measureS3Reads(file: string, options: S3ReadOptions = {}): Promise<S3ReadResult[]> {
  const { size } = await stat(file);
  const expectedSha256 = await fileDigest(file);
  const partSizes = options.partSizes ?? [CONFIG_DEFAULTS.s3ReadPartBytes];
  const concurrencies = options.concurrencies ?? [1, 2, 4, 8];
  const configs: Array<{ partSize: number; concurrency: number }> = [];
  if (concurrencies.includes(1)) configs.push({ partSize: partSizes[0] ?? CONFIG_DEFAULTS.s3ReadPartBytes, concurrency: 1 });
  for (const partSize of partSizes) {
    for (const concurrency of concurrencies) if (concurrency > 1) configs.push({ partSize, concurrency });
  }

  const directory = await mkdtemp(join(tmpdir(), 'bench-s3-'));
  const server = await startLocalS3({ port: 0, directory, buckets: [BUCKET] });
  const s3 = new S3Client({ ...s3ClientConfig({ s3Endpoint: server.endpoint }, 'us-east-1'), credentials: { ...LOCAL_CREDENTIALS } });
  try {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: createReadStream(file), ContentLength: size }));
    const results: S3ReadResult[] = [];
    for (const config of configs) {
      const timed = await openObject(s3, { bucket: BUCKET, key: KEY, ...config });
      const started = process.hrtime.bigint();
      let bytes = 0;
      try {
        for await (const chunk of timed.chunks) bytes += chunk.byteLength;
      } finally {
        timed.close();
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;

      const checked = await openObject(s3, { bucket: BUCKET, key: KEY, ...config });
      const hash = createHash('sha256');
      let checkedBytes = 0;
      try {
        for await (const chunk of checked.chunks) {
          hash.update(chunk);
          checkedBytes += chunk.byteLength;
        }
      } finally {
        checked.close();
      }
      results.push({
        mode: timed.stats.mode,
        ...config,
        bytes,
        seconds,
        mbPerSecond: bytes / 1e6 / seconds,
        requests: timed.stats.requests,
        rereads: timed.stats.rereads,
        peakBufferedBytes: timed.stats.peakBufferedBytes,
        sizeMatches: bytes === size && checkedBytes === size,
        sha256Matches: hash.digest('hex') === expectedSha256,
      });
    }
    return results;
  } finally {
    s3.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
}
