/**
 * Small S3 operations on the findings bucket's outputs: put a text object, read one that may be missing, head, delete.
 * Outputs are small (a findings file, a ledger entry, a capped quarantine, a checkpoint), so PutObject with a string body.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';

/** Media types of the outputs. */
export type OutputType = 'application/json' | 'application/x-ndjson';

function isMissing(error: unknown): boolean {
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}

/** Writes one output object. */
export async function putOutput(
  s3: S3Client,
  target: { bucket: string; key: string; body: string; type: OutputType; metadata?: Record<string, string> },
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      Body: target.body,
      ContentType: target.type,
      ...(target.metadata ? { Metadata: target.metadata } : {}),
    }),
  );
}

/** An object's text, or undefined when it does not exist. */
export async function readOutput(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return output.Body === undefined ? '' : await output.Body.transformToString('utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** An object's user metadata, or undefined when it does not exist. */
export async function headOutput(s3: S3Client, bucket: string, key: string): Promise<Record<string, string> | undefined> {
  try {
    const output = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return output.Metadata ?? {};
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Deletes an object (S3 answers success for a missing key too). */
export async function deleteOutput(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
