/**
 * The one S3 client of a function. On AWS the SDK's defaults apply. With an endpoint override (the local S3-compatible
 * server of `npm start` and the tests) it uses path-style addressing and sends/validates checksums only when an
 * operation requires them: s3rver stores the aws-chunked framing of streamed uploads as object bytes otherwise.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Config } from './config.ts';

/** Client settings for the configured endpoint; `region` falls back to us-east-1 only for a local endpoint. */
export function s3ClientConfig(config: Pick<Config, 's3Endpoint'>, region: string | undefined): S3ClientConfig {
  const common: S3ClientConfig = {
    // A stalled connection must end in an error the retry logic sees, not in the Lambda timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  };
  if (config.s3Endpoint === undefined) return { ...common, ...(region === undefined ? {} : { region }) };
  return {
    ...common,
    endpoint: config.s3Endpoint,
    region: region ?? 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** A client for the configured endpoint. */
export function createS3Client(config: Pick<Config, 's3Endpoint'>, region: string | undefined): S3Client {
  return new S3Client(s3ClientConfig(config, region));
}
