/**
 * Emulates the archive state machine locally: the plan step, then what the Distributed Map does with an S3 ItemReader
 * (ListObjectsV2 over plan.bucket/plan.prefix, paginated, items shaped as Step Functions shapes them: quoted Etag,
 * LastModified in epoch seconds), an ItemBatcher (`{ Items, BatchInput: { bucket, plan } }`), a few batches at once,
 * and the task Retry (one retry of a failed batch).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { ArchiveBatchResult, ArchiveItemResult, MapItem } from '../../functions/aws/archive-batch.ts';
import type { ArchivePlan } from '../../functions/aws/archive-plan.ts';
import { lambdaContext } from './lambda-context.ts';

/** What one emulated run did. */
export interface ArchiveRun {
  plan: ArchivePlan;
  items: number;
  batches: number;
  /** Listing pages read (ListObjectsV2 returns at most 1000 keys a page). */
  pages: number;
  results: ArchiveItemResult[];
  /** Batches that still failed after the retry. */
  failedBatches: number;
}

/** Runs plan → map → batches. */
export async function runArchiveScan(options: {
  s3: S3Client;
  plan: (event: unknown, context: Context) => Promise<ArchivePlan>;
  scanBatch: (event: unknown, context: Context) => Promise<ArchiveBatchResult>;
  scheduleEvent: unknown;
  itemsPerBatch?: number;
  concurrency?: number;
}): Promise<ArchiveRun> {
  const plan = await options.plan(options.scheduleEvent, lambdaContext({ requestId: 'plan' }));
  const items: MapItem[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await options.s3.send(new ListObjectsV2Command({ Bucket: plan.bucket, Prefix: plan.prefix, ...(token ? { ContinuationToken: token } : {}) }));
    pages += 1;
    for (const o of page.Contents ?? []) {
      items.push({
        Key: o.Key as string,
        Size: o.Size ?? 0,
        Etag: o.ETag as string,
        LastModified: Math.floor((o.LastModified as Date).getTime() / 1000),
        StorageClass: o.StorageClass ?? 'STANDARD',
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);

  const size = options.itemsPerBatch ?? 25;
  const batches: MapItem[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  const results: ArchiveItemResult[][] = new Array<ArchiveItemResult[]>(batches.length);
  let failedBatches = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const index = next++;
      const event = { Items: batches[index], BatchInput: { bucket: plan.bucket, plan } };
      let result: ArchiveBatchResult | undefined;
      for (let attempt = 0; attempt < 2 && result === undefined; attempt += 1) {
        try {
          result = await options.scanBatch(event, lambdaContext({ requestId: `batch-${index}-${attempt}` }));
        } catch {
          // The state machine's Retry: run the batch again.
        }
      }
      if (result === undefined) failedBatches += 1;
      results[index] = result?.results ?? [];
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return { plan, items: items.length, batches: batches.length, pages, results: results.flat(), failedBatches };
}
