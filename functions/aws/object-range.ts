/**
 * One byte range of one S3 object version as chunks, re-read from the byte it reached when its body breaks. Every
 * GetObject after the first carries `If-Match: <ETag>` (and the version id when known), so a re-read or a ranged part
 * is the same bytes or an ObjectReadError, never a mix of two versions. Both the single stream (object-body.ts) and the
 * parallel parts (ranged-object-body.ts) read through here, and share one re-read budget per object.
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
  /** Bytes received before giving up (the object offset the failed read had reached). */
  readonly offset: number;
  constructor(message: string, offset: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ObjectReadError';
    this.offset = offset;
  }
}

/** How an object is being read, live: for logs, the bench and the tests (memory bound, nothing left open). */
export interface ObjectReadStats {
  mode: 'single' | 'ranged';
  /** GetObject requests sent (the first one included). */
  requests: number;
  /** Range re-reads after a broken body. */
  rereads: number;
  /** Requests sent whose body is not yet finished or released. */
  inFlight: number;
  /** Bytes received but not yet handed to the consumer (ranged mode), and the most there ever were. */
  bufferedBytes: number;
  peakBufferedBytes: number;
}

/** A response body: in Node the SDK's body is an http.IncomingMessage (a Readable), async-iterable Buffers. */
export type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** Everything the ranges of one object share: which version, the re-read budget, the abort signal, the counters. */
export interface ObjectReads {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | undefined;
  /** Content-Length of the first response, when it had one. */
  readonly size: number | undefined;
  /** The ETag as the first response quoted it; sent as If-Match. */
  readonly quotedEtag: string;
  /** Re-reads left for the whole object. */
  rereadsLeft: number;
  readonly onReread: ((offset: number, error: unknown) => void) | undefined;
  /** Aborted when the consumer closes the object: every request and body of the object ends. */
  readonly signal: AbortSignal;
  readonly stats: ObjectReadStats;
  /** Bodies received and not yet released. */
  readonly open: Set<Body>;
}

/** True for the S3 errors that mean the key or version does not exist. */
export function isGone(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NoSuchVersion');
}

function isPreconditionFailed(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'PreconditionFailed' || error.$metadata.httpStatusCode === 412);
}

/** The response's body, counted as open until released. */
export function takeBody(reads: ObjectReads, output: GetObjectCommandOutput, offset: number): Body {
  if (output.Body === undefined) throw new ObjectReadError(`GetObject s3://${reads.bucket}/${reads.key} returned no body`, offset);
  const body = output.Body as unknown as Body;
  reads.open.add(body);
  return body;
}

/** Destroys the body (ends its connection if unfinished); counted once. */
export function releaseBody(reads: ObjectReads, body: Body): void {
  body.destroy?.();
  if (reads.open.delete(body)) reads.stats.inFlight -= 1;
}

function changed(reads: ObjectReads, offset: number, detail: string, cause?: unknown): ObjectReadError {
  return new ObjectReadError(`s3://${reads.bucket}/${reads.key} changed while being read (${detail})`, offset, cause);
}

/** `Content-Range: bytes <first>-<last>/<size>` → first, or undefined. */
function rangeStart(contentRange: string | undefined): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(contentRange ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** GetObject of `[start, end)` (to the end when `end` is undefined) of the version being read. */
async function getRange(reads: ObjectReads, start: number, end: number | undefined): Promise<Body> {
  if (reads.signal.aborted) throw reads.signal.reason;
  reads.stats.requests += 1;
  reads.stats.inFlight += 1;
  let output: GetObjectCommandOutput;
  try {
    output = await reads.s3.send(
      new GetObjectCommand({
        Bucket: reads.bucket,
        Key: reads.key,
        ...(reads.versionId ? { VersionId: reads.versionId } : {}),
        // The rest of the object is asked open-ended, as a single stream's re-read always was.
        Range: `bytes=${start}-${end === undefined || end === reads.size ? '' : end - 1}`,
        IfMatch: reads.quotedEtag,
      }),
      { abortSignal: reads.signal },
    );
  } catch (error) {
    reads.stats.inFlight -= 1;
    if (isPreconditionFailed(error)) throw changed(reads, start, 'If-Match failed', error);
    if (isGone(error)) throw changed(reads, start, 'it no longer exists', error);
    throw error;
  }
  const body = takeBody(reads, output, start);
  // Servers that ignore If-Match (s3rver does) still report the ETag: a different one means different bytes.
  if (output.ETag !== undefined && unquoteEtag(output.ETag) !== unquoteEtag(reads.quotedEtag)) {
    releaseBody(reads, body);
    throw changed(reads, start, `ETag ${output.ETag}`);
  }
  // A server that ignored the Range would send bytes from 0 that would be taken for bytes from `start`.
  if (rangeStart(output.ContentRange) !== start) {
    releaseBody(reads, body);
    throw new ObjectReadError(`GetObject s3://${reads.bucket}/${reads.key} answered Range bytes=${start}- with Content-Range ${output.ContentRange}`, start);
  }
  return body;
}

/** Where to read and how. */
export interface RangeSpec {
  start: number;
  /** Exclusive; undefined = to the end of an object of unknown size (a broken body then cannot be re-read). */
  end: number | undefined;
  /** An already received body starting at `start`. */
  first?: Body;
  /** `first` runs past `end` (the whole object's body serving as the first part): only `end - start` bytes are taken. */
  firstRunsPastEnd?: boolean;
}

/** The bytes `[start, end)` of the object, each exactly once and in order; a broken body is re-read from where it broke. */
export async function* rangeChunks(reads: ObjectReads, spec: RangeSpec): AsyncGenerator<Uint8Array> {
  const { end } = spec;
  let position = spec.start;
  let body = spec.first ?? (await getRange(reads, position, end));
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
        let chunk = next.value;
        if (end !== undefined && position + chunk.byteLength > end) chunk = chunk.subarray(0, end - position);
        position += chunk.byteLength;
        if (chunk.byteLength > 0) yield chunk;
        if (end !== undefined && position >= end) {
          // A body that ends here is read to its end, so its connection goes back to the pool instead of being cut.
          if (body !== spec.first || spec.firstRunsPastEnd !== true) await iterator.next().catch(() => undefined);
          return;
        }
      }
      if (failure === undefined && (end === undefined || position >= end)) return;
      failure ??= new ObjectReadError(`body ended at byte ${position}, before byte ${end}`, position);
      if (reads.signal.aborted) throw failure;
      if (end === undefined || reads.rereadsLeft <= 0) {
        throw new ObjectReadError(`reading s3://${reads.bucket}/${reads.key} failed at byte ${position}: ${(failure as Error).message}`, position, failure);
      }
      reads.rereadsLeft -= 1;
      reads.stats.rereads += 1;
      reads.onReread?.(position, failure);
      releaseBody(reads, body);
      body = await getRange(reads, position, end);
    }
  } finally {
    releaseBody(reads, body);
  }
}
