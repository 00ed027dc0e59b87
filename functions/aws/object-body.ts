/**
 * One S3 object as a byte stream that survives a dropped connection: GetObject streams the body; when the stream breaks
 * before Content-Length bytes arrived, the rest is requested with `Range: bytes=<received>-` and `If-Match: <ETag>`
 * (the same bytes or an error, never a mix of two versions) and the stream continues. The consumer sees every byte
 * exactly once, in order. Never buffered whole, never staged on disk.
 */
import { GetObjectCommand, NoSuchKey, S3ServiceException, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { unquoteEtag } from './object-events.ts';

/** The object is not there (deleted, or the version is gone) — nothing to scan. */
export class ObjectGoneError extends Error {
  readonly bucket: string;
  readonly key: string;
  constructor(bucket: string, key: string, cause: unknown) {
    super(`s3://${bucket}/${key} no longer exists: ${(cause as Error).message}`, { cause });
    this.name = 'ObjectGoneError';
    this.bucket = bucket;
    this.key = key;
  }
}

/** The body broke more often than allowed, or the object changed between reads. Transient: retry the whole object. */
export class ObjectReadError extends Error {
  /** Bytes received before giving up. */
  readonly offset: number;
  constructor(message: string, offset: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ObjectReadError';
    this.offset = offset;
  }
}

/** An opened object: what GetObject said about it, and its bytes. */
export interface OpenedObject {
  /** Unquoted ETag of the bytes being read. */
  etag: string;
  versionId: string | undefined;
  size: number | undefined;
  chunks: AsyncIterable<Uint8Array>;
  /** Releases the connection when the chunks were not read to the end (or not at all). */
  close(): void;
}

/** Which object, and how hard to try. */
export interface OpenObjectOptions {
  bucket: string;
  key: string;
  versionId?: string;
  /** Range re-reads after a broken body (default 3). */
  maxRereads?: number;
  /** Told about each re-read, for the log. */
  onReread?: (offset: number, error: unknown) => void;
}

function isGone(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NoSuchVersion');
}

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

function bodyOf(output: GetObjectCommandOutput, offset: number): Body {
  if (output.Body === undefined) throw new ObjectReadError('GetObject returned no body', offset);
  // In Node the SDK's body is an http.IncomingMessage (a Readable): async-iterable Buffers.
  return output.Body as unknown as Body;
}

/** Opens the object (GetObject at the version, if given); throws ObjectGoneError when it does not exist. */
export async function openObject(s3: S3Client, options: OpenObjectOptions): Promise<OpenedObject> {
  const { bucket, key, versionId } = options;
  let first: GetObjectCommandOutput;
  try {
    first = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  } catch (error) {
    if (isGone(error)) throw new ObjectGoneError(bucket, key, error);
    throw error;
  }
  if (first.ETag === undefined) throw new ObjectReadError(`GetObject s3://${bucket}/${key} returned no ETag`, 0);
  const quotedEtag = first.ETag;
  const size = first.ContentLength;
  const readVersion = first.VersionId ?? versionId;
  const maxRereads = options.maxRereads ?? 3;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let body = bodyOf(first, 0);
    let received = 0;
    let rereads = 0;
    try {
      for (;;) {
        const iterator = body[Symbol.asyncIterator]();
        let failure: unknown;
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await iterator.next();
          } catch (error) {
            failure = error;
            break;
          }
          if (next.done) break;
          received += next.value.byteLength;
          yield next.value;
        }
        if (failure === undefined && (size === undefined || received >= size)) return;
        failure ??= new ObjectReadError(`body ended after ${received} of ${size} bytes`, received);
        if (size === undefined || rereads >= maxRereads) {
          throw new ObjectReadError(`reading s3://${bucket}/${key} failed at byte ${received}: ${(failure as Error).message}`, received, failure);
        }
        rereads += 1;
        options.onReread?.(received, failure);
        body.destroy?.();
        const rest = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(readVersion ? { VersionId: readVersion } : {}),
            Range: `bytes=${received}-`,
            IfMatch: quotedEtag,
          }),
        );
        // Servers that ignore If-Match still report the ETag: a different one means different bytes.
        if (rest.ETag !== undefined && unquoteEtag(rest.ETag) !== unquoteEtag(quotedEtag)) {
          bodyOf(rest, received).destroy?.();
          throw new ObjectReadError(`s3://${bucket}/${key} changed while being read (ETag ${rest.ETag})`, received);
        }
        body = bodyOf(rest, received);
      }
    } finally {
      body.destroy?.();
    }
  }

  const stream = chunks();
  return {
    etag: unquoteEtag(quotedEtag),
    versionId: readVersion,
    size,
    chunks: stream,
    close: () => {
      // A generator never started has no finally to run: destroy the first body directly.
      bodyOf(first, 0).destroy?.();
      void stream.return(undefined);
    },
  };
}
