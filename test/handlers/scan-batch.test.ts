/**
 * scan-batch with the sample Distributed Map payload (events/distributed-map-batch.json), and the batch contract:
 * window skips, cold storage, bad payloads, a failing item making the batch throw for the state machine's retry.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveBatchIncompleteError, ArchiveBatchShapeError, type ArchiveBatchResult } from '../../functions/aws/archive-batch.ts';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import { sourceId } from '../../functions/aws/output-keys.ts';
import { createScanBatchHandler } from '../../functions/handlers/scan-batch.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { SAMPLE_KEYS, uploadSamples } from '../support/sample-logs.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;
let handler: ReturnType<typeof createScanBatchHandler>;
const sample = JSON.parse(readFileSync(new URL('../../events/distributed-map-batch.json', import.meta.url), 'utf8')) as {
  Items: Array<{ Key: string; Etag: string }>;
  BatchInput: Record<string, unknown>;
};

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  await uploadSamples(s3, LOGS);
  handler = createScanBatchHandler(lazyRuntime(() => testRuntime(s3)));
});

afterAll(async () => {
  await s3.close();
});

describe('scan-batch', () => {
  it('events/distributed-map-batch.json: the item outside the window is skipped, the others scanned', async () => {
    const result = await handler(sample, lambdaContext());
    const idOf = (i: number): string =>
      sourceId({ bucket: LOGS, key: sample.Items[i]!.Key, etag: JSON.parse(sample.Items[i]!.Etag) as string }, DETECTIONS);
    expect(result).toEqual<ArchiveBatchResult>({
      bucket: LOGS,
      results: [
        { key: SAMPLE_KEYS.dc01, status: 'skipped', reason: 'outside-window' },
        { key: SAMPLE_KEYS.web01, status: 'complete', sourceId: idOf(1), rows: 1 },
        { key: SAMPLE_KEYS.web02, status: 'complete', sourceId: idOf(2), rows: 0 },
      ],
      counts: { skipped: 1, complete: 2 },
    });
    // The ETag in the listing is the one GetObject returns: the archive ledger check and the scan agree on the id.
    expect((await s3.list(FINDINGS, 'ledger/')).sort()).toEqual([`ledger/${idOf(1)}.json`, `ledger/${idOf(2)}.json`].sort());
    const again = await handler(sample, lambdaContext());
    expect(again.counts).toEqual({ skipped: 3 });
    expect(again.results.map((r) => r.reason)).toEqual(['outside-window', 'already-scanned', 'already-scanned']);
  });

  it('skips objects in storage classes GetObject cannot read', async () => {
    const items = [{ ...sample.Items[1]!, Key: 'cold/x.xml', StorageClass: 'DEEP_ARCHIVE', LastModified: 1795687201 }];
    const result = await handler({ Items: items, BatchInput: sample.BatchInput }, lambdaContext());
    expect(result.results).toEqual([{ key: 'cold/x.xml', status: 'skipped', reason: 'cold-storage' }]);
  });

  it('throws ArchiveBatchIncomplete after trying every item when one hits a transient error', async () => {
    const plan = { ...(sample.BatchInput.plan as object), window: { mode: 'all' } };
    const items = [{ Key: SAMPLE_KEYS.dc01 }, { Key: 'x.log' }];
    const error = await handler({ Items: items, BatchInput: { bucket: 'no-such-bucket', plan } }, lambdaContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArchiveBatchIncompleteError);
    expect((error as ArchiveBatchIncompleteError).name).toBe('ArchiveBatchIncomplete');
    expect((error as ArchiveBatchIncompleteError).result.counts).toEqual({ error: 2 });
  });

  it('rejects a payload that is not an ItemBatcher batch', async () => {
    await expect(handler({ Items: [{ key: 'lowercase' }], BatchInput: sample.BatchInput }, lambdaContext())).rejects.toBeInstanceOf(ArchiveBatchShapeError);
    await expect(handler({ Items: [] }, lambdaContext())).rejects.toBeInstanceOf(ArchiveBatchShapeError);
  });
});
