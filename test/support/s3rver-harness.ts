/**
 * A real S3-compatible server for one test file: s3rver on 127.0.0.1, any free port, a fresh temp directory, and an
 * SDK client configured as the functions configure theirs for a local endpoint. Tests must run under
 * NODE_OPTIONS=--openssl-legacy-provider (npm test sets it) or s3rver fails listings past 1000 keys.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3ClientConfig } from '../../functions/aws/s3-client.ts';

/** The key id s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A running server with its client. */
export interface S3Harness {
  endpoint: string;
  port: number;
  client: S3Client;
  directory: string;
  /** Object-created/removed events as s3rver emits them (keys not URL-encoded). */
  server: S3rver;
  /** A client for another endpoint (e.g. a fault-injecting proxy in front of this server). */
  clientFor(endpoint: string, options?: { maxAttempts?: number }): S3Client;
  put(bucket: string, key: string, body: PutObjectCommandInput['Body'], extra?: Partial<PutObjectCommandInput>): Promise<void>;
  getText(bucket: string, key: string): Promise<string>;
  /** Every key under a prefix (paginated). */
  list(bucket: string, prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts s3rver with the given buckets. */
export async function startS3(buckets: readonly string[]): Promise<S3Harness> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-test-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clientFor = (url: string, options: { maxAttempts?: number } = {}): S3Client =>
    new S3Client({ ...s3ClientConfig({ s3Endpoint: url }, 'us-east-1'), credentials: S3RVER_CREDENTIALS, ...options });
  const client = clientFor(endpoint);
  return {
    endpoint,
    port,
    client,
    directory,
    server,
    clientFor,
    async put(bucket, key, body, extra = {}) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
    },
    async getText(bucket, key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await response.Body?.transformToString('utf8')) ?? '';
    },
    async list(bucket, prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys;
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
