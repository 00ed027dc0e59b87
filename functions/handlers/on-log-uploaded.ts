/**
 * Lambda: scans every uploaded log. Triggered by SQS (S3 notifications or EventBridge events as message bodies), or
 * directly by an S3 notification or an EventBridge "Object Created" rule. See functions/aws/upload-deliveries.ts.
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { createRuntime, lazyRuntime, type FunctionRuntime } from '../aws/function-runtime.ts';
import { handleUploadEvent, type DirectResponse } from '../aws/upload-deliveries.ts';

/** The handler over a given runtime (tests and the local pipeline bring theirs). */
export function createOnLogUploadedHandler(
  getRuntime: () => Promise<FunctionRuntime>,
): (event: unknown, context: Context) => Promise<SQSBatchResponse | DirectResponse> {
  return async (event, context) => handleUploadEvent(await getRuntime(), event, context);
}

/** The Lambda entry point: config from the environment, read once per container. */
export const handler = createOnLogUploadedHandler(lazyRuntime(() => createRuntime(process.env)));
