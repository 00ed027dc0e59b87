/**
 * A connection cut in the middle of an object (a fault-injecting proxy in front of the S3 server): the body is re-read
 * from where it broke and the outputs equal those of an undisturbed scan; when the connection keeps breaking, the SQS
 * message fails, and its redelivery produces the same outputs — nothing lost, nothing doubled.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { encodeS3Key } from '../../functions/aws/object-events.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { bucketSnapshot } from '../support/bucket-snapshot.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { repeatedLog } from '../support/generated-logs.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

const REFERENCE = 'sysmon-findings-ref';
const KEY = 'uploads/cut here.xml';
const BODY = repeatedLog(60, 5);
let s3: S3Harness;
let expected: Record<string, string>;

const delivery = {
  Records: [
    {
      messageId: 'm0',
      eventSource: 'aws:sqs',
      body: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key: encodeS3Key(KEY) } } }] }),
    },
  ],
};

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS, REFERENCE]);
  await s3.put(LOGS, KEY, BODY);
  const reference = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3, { FINDINGS_BUCKET: REFERENCE })));
  expect(await reference(delivery, lambdaContext())).toEqual({ batchItemFailures: [] });
  expected = await bucketSnapshot(s3, REFERENCE);
});

afterAll(async () => {
  await s3.close();
});

describe('connection cut mid-object', () => {
  it('is re-read from the break: same outputs, bytes counted once', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint, cuts: 1, cutAfterBytes: 1_000_000 });
    const client = s3.clientFor(proxy.endpoint);
    try {
      const handler = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3, {}, { s3: client })));
      expect(await handler(delivery, lambdaContext())).toEqual({ batchItemFailures: [] });
      expect(proxy.cutCount).toBe(1);
      expect(proxy.gets.filter((g) => g.path.startsWith(`/${LOGS}/`)).map((g) => g.range)).toEqual([undefined, 'bytes=1000000-']);
      const snapshot = await bucketSnapshot(s3, FINDINGS);
      expect(snapshot).toEqual(expected);
      const ledgerKey = Object.keys(snapshot).find((k) => k.startsWith('ledger/')) as string;
      expect((JSON.parse(snapshot[ledgerKey] as string) as LedgerEntry).bytes_read).toBe(BODY.length);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('when the connection keeps breaking the message fails; the redelivery writes the same outputs', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint, cuts: Infinity, cutAfterBytes: 300_000 });
    const client = s3.clientFor(proxy.endpoint);
    try {
      const broken = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3, { FINDINGS_BUCKET: 'sysmon-findings-2' }, { s3: client })));
      await s3.client.send(new CreateBucketCommand({ Bucket: 'sysmon-findings-2' }));
      expect((await broken(delivery, lambdaContext())) as SQSBatchResponse).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
      expect(await s3.list('sysmon-findings-2')).toEqual([]);
      const redelivered = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3, { FINDINGS_BUCKET: 'sysmon-findings-2' })));
      expect(await redelivered(delivery, lambdaContext())).toEqual({ batchItemFailures: [] });
      expect(await bucketSnapshot(s3, 'sysmon-findings-2')).toEqual(expected);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});
