/**
 * One S3 object as a byte stream that survives a dropped connection: GetObject streams the body; when the stream breaks
 * before Content-Length bytes arrived, the rest is requested with `Range: bytes=<received>-` and `If-Match: <ETag>`
 * (the same bytes or an error, never a mix of two versions) and the stream continues (object-range.ts). An object
 * larger than two parts is read with parallel ranged GETs instead (ranged-object-body.ts) when concurrency > 1.
 * Either way the consumer sees every byte exactly once, in order. Never buffered whole, never staged on disk.
 */
import { setMaxListeners } from 'node:events';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { CONFIG_DEFAULTS } from './config.ts';
import { unquoteEtag } from './object-events.ts';
import { isGone, ObjectGoneError, ObjectReadError, rangeChunks, releaseBody, takeBody, type ObjectReads, type ObjectReadStats } from './object-range.ts';
import { rangedBody } from './ranged-object-body.ts';

export { ObjectGoneError, ObjectReadError, type ObjectReadStats } from './object-range.ts';

/** An opened object: what GetObject said about it, and its bytes. */
export interface OpenedObject {
  /** Unquoted ETag of the bytes being read. */
  etag: string;
  versionId: string | undefined;
  size: number | undefined;
  chunks: AsyncIterable<Uint8Array>;
  /** How it is being read (live counters). */
  readonly stats: Readonly<ObjectReadStats>;
  /** Releases every connection when the chunks were not read to the end (or not at all). */
  close(): void;
}

/** Which object, and how hard to try. */
export interface OpenObjectOptions {
  bucket: string;
  key: string;
  versionId?: string;
  /** Range re-reads after a broken body, for the whole object (default 3). */
  maxRereads?: number;
  /** Told about each re-read, for the log. */
  onReread?: (offset: number, error: unknown) => void;
  /** Bytes per ranged GET (default 8 MiB). */
  partSize?: number;
  /** Ranged GETs in flight or buffered at once (default 4); 1 = one stream. */
  concurrency?: number;
}

/** Opens the object (GetObject at the version, if given); throws ObjectGoneError when it does not exist. */
export async function openObject(s3: S3Client, options: OpenObjectOptions): Promise<OpenedObject> {
  const { bucket, key, versionId } = options;
  const partSize = options.partSize ?? CONFIG_DEFAULTS.s3ReadPartBytes;
  const concurrency = options.concurrency ?? CONFIG_DEFAULTS.s3ReadConcurrency;
  const controller = new AbortController();
  // One listener per request in flight on this signal; the default cap of 10 would warn at high concurrency.
  setMaxListeners(concurrency + 16, controller.signal);
  let first: GetObjectCommandOutput;
  try {
    first = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }), {
      abortSignal: controller.signal,
    });
  } catch (error) {
    if (isGone(error)) throw new ObjectGoneError(bucket, key, error);
    throw error;
  }
  const size = first.ContentLength;
  const ranged = size !== undefined && concurrency > 1 && size > 2 * partSize;
  const reads: ObjectReads = {
    s3,
    bucket,
    key,
    versionId: first.VersionId ?? versionId,
    size,
    quotedEtag: first.ETag ?? '',
    rereadsLeft: options.maxRereads ?? 3,
    onReread: options.onReread,
    signal: controller.signal,
    stats: { mode: ranged ? 'ranged' : 'single', requests: 1, rereads: 0, inFlight: 1, bufferedBytes: 0, peakBufferedBytes: 0 },
    open: new Set(),
  };
  const body = takeBody(reads, first, 0);
  if (first.ETag === undefined) {
    releaseBody(reads, body);
    throw new ObjectReadError(`GetObject s3://${bucket}/${key} returned no ETag`, 0);
  }
  const abort = (): void => {
    controller.abort(new ObjectReadError(`reading s3://${bucket}/${key} was closed`, 0));
    for (const open of [...reads.open]) releaseBody(reads, open);
  };

  const opened = { etag: unquoteEtag(first.ETag), versionId: reads.versionId, size, stats: reads.stats };
  if (ranged) {
    const parallel = rangedBody(reads, { size, partSize, concurrency, first: body }, abort);
    return { ...opened, chunks: parallel.chunks, close: parallel.close };
  }
  const stream = rangeChunks(reads, { start: 0, end: size, first: body });
  return {
    ...opened,
    chunks: stream,
    close: () => {
      // A generator never started has no finally to run: release the first body directly.
      abort();
      void stream.return(undefined);
    },
  };
}
