/**
 * The embedded S3-compatible server of `npm start`: s3rver 3.7.1 on 127.0.0.1 with the logs and findings buckets,
 * accepting any S3 client (aws-chunked uploads are decoded first, see local-aws-chunked.ts). Its object events come from
 * s3rver's in-process emitter; s3rver does not URL-encode keys in them (real S3 does).
 * Node must run with --openssl-legacy-provider, or s3rver fails every truncated listing (> 1000 keys).
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { decodedRequest, isAwsChunked } from './local-aws-chunked.ts';

/** The access key s3rver accepts (it rejects any other key id). */
export const LOCAL_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/** One record of an s3rver event (shaped like an S3 notification record, key not encoded). */
export interface LocalS3Record {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
  [field: string]: unknown;
}

/** A running local server. */
export interface LocalS3Server {
  endpoint: string;
  port: number;
  /** Subscribes to object events. */
  onRecord(listener: (record: LocalS3Record) => void): void;
  close(): Promise<void>;
}

/** Options of the local server. */
export interface LocalS3Options {
  /** 0 = any free port. */
  port: number;
  directory: string;
  buckets: readonly string[];
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Starts s3rver on 127.0.0.1 with the buckets created. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3Server> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    // Decoded aws-chunked requests no longer match their signature; the key id is still checked.
    allowMismatchedSignatures: true,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  // s3rver's listen() serves `this.callback()`; wrap it so chunk-framed uploads are stored as their payload.
  const koaCallback = server.callback.bind(server) as unknown as () => RequestListener;
  (server as unknown as { callback: () => RequestListener }).callback = () => {
    const inner = koaCallback();
    return (req, res) => inner(isAwsChunked(req.headers) ? decodedRequest(req) : req, res);
  };
  const address: AddressInfo = await server.run();
  const emitter = server as unknown as NodeJS.EventEmitter;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    onRecord(listener) {
      emitter.on('event', (event: { Records?: LocalS3Record[] }) => {
        for (const record of event.Records ?? []) listener(record);
      });
    },
    close: () => server.close(),
  };
}
