/**
 * The deadline path: a scan interrupted near the Lambda deadline writes a checkpoint and an `interrupted` ledger entry,
 * the SQS message fails, and later deliveries resume from the checkpoint until the object completes — with outputs
 * identical to one uninterrupted scan.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { encodeS3Key } from '../../functions/aws/object-events.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { bucketSnapshot } from '../support/bucket-snapshot.ts';
import { repeatedLog } from '../support/generated-logs.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

const REFERENCE = 'sysmon-findings-ref';
const KEY = 'big/resume me.xml';
let s3: S3Harness;

const delivery = {
  Records: [
    {
      messageId: 'only',
      eventSource: 'aws:sqs',
      body: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key: encodeS3Key(KEY) } } }] }),
    },
  ],
};

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS, REFERENCE]);
  await s3.put(LOGS, KEY, repeatedLog(150, 7));
});

afterAll(async () => {
  await s3.close();
});

describe('checkpoint and resume', () => {
  it('interrupted deliveries resume and end with the same outputs as one uninterrupted scan', async () => {
    const reference = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3, { FINDINGS_BUCKET: REFERENCE })));
    expect(await reference(delivery, lambdaContext())).toEqual({ batchItemFailures: [] });
    const expected = await bucketSnapshot(s3, REFERENCE);
    expect(Object.keys(expected).some((k) => k.startsWith('findings/'))).toBe(true);

    const handler = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3, { DEADLINE_RESERVE_MS: '0' })));
    const interruptions: Array<{ offset: number; checkpoint: boolean }> = [];
    let budget = 15;
    for (let attempt = 0; attempt < 30; attempt += 1) {
      const response = (await handler(delivery, lambdaContext({ remainingMs: budget }))) as SQSBatchResponse;
      if (response.batchItemFailures.length === 0) break;
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'only' }]);
      const ledgerKey = (await s3.list(FINDINGS, 'ledger/'))[0] as string;
      const entry = JSON.parse(await s3.getText(FINDINGS, ledgerKey)) as LedgerEntry;
      expect(entry.status).toBe('interrupted');
      interruptions.push({ offset: entry.resume?.offset ?? -1, checkpoint: (await s3.list(FINDINGS, 'checkpoints/')).length === 1 });
      budget *= 2;
    }
    expect(interruptions.length).toBeGreaterThanOrEqual(1);
    expect(interruptions.every((i) => i.checkpoint)).toBe(true);
    expect(interruptions.some((i) => i.offset > 0)).toBe(true);

    // Done: checkpoint removed, and every output equal to the uninterrupted scan's (ledger timings aside).
    expect(await s3.list(FINDINGS, 'checkpoints/')).toEqual([]);
    const actual = await bucketSnapshot(s3, FINDINGS);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    const processEvents = (text: string): number => (JSON.parse(text) as { process_events: number }).process_events;
    for (const [key, text] of Object.entries(expected)) {
      if (!key.startsWith('ledger/')) {
        expect(actual[key]).toBe(text);
        continue;
      }
      expect({ ...JSON.parse(actual[key] as string), process_events: 0 }).toEqual({ ...JSON.parse(text), process_events: 0 });
      // Separately, so a failure names the count: the resumed scans together must count each process event once.
      expect(processEvents(actual[key] as string), 'process_events after resuming').toBe(processEvents(text));
    }
  });
});
