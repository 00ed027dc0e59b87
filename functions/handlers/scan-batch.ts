/**
 * Lambda: scans one Distributed Map batch of archived objects (Step Functions ItemReader + ItemBatcher payload).
 * See functions/aws/archive-batch.ts for the payload and the retry contract.
 */
import type { Context } from 'aws-lambda';
import { scanArchiveBatch, type ArchiveBatchResult } from '../aws/archive-batch.ts';
import { createRuntime, lazyRuntime, type FunctionRuntime } from '../aws/function-runtime.ts';

/** The handler over a given runtime (tests bring theirs). */
export function createScanBatchHandler(
  getRuntime: () => Promise<FunctionRuntime>,
): (event: unknown, context: Context) => Promise<ArchiveBatchResult> {
  return async (event, context) => scanArchiveBatch(await getRuntime(), event, context);
}

/** The Lambda entry point: config from the environment, read once per container. */
export const handler = createScanBatchHandler(lazyRuntime(() => createRuntime(process.env)));
