/**
 * A 200 MB object scanned with flat memory: the body is generated as a stream (real events repeated, never held whole),
 * uploaded with lib-storage, then scanned by the upload handler while RSS and heap are sampled. The growth over the
 * baseline must stay far below the object size: the object is streamed, never buffered, never staged on disk.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { encodeS3Key } from '../../functions/aws/object-events.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { repeatedLogStream } from '../support/generated-logs.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

const SIZE = 200 * 1024 * 1024;
const KEY = 'big/200 MB sysmon.xml';
/** Allowed growth of RSS over the baseline while scanning (the object is 200 MB). */
const MAX_GROWTH = 150 * 1024 * 1024;
const MB = 1024 * 1024;
let s3: S3Harness;
let blocks = 0;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  const { stream, blocks: count } = repeatedLogStream(SIZE, 1000);
  await new Upload({ client: s3.client, params: { Bucket: LOGS, Key: KEY, Body: stream }, partSize: 8 * MB, queueSize: 2 }).done();
  blocks = count();
}, 120_000);

afterAll(async () => {
  await s3.close();
});

describe('200 MB object', () => {
  it('is scanned with bounded memory and every event counted', async () => {
    const handler = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3)));
    const delivery = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key: encodeS3Key(KEY), size: SIZE } } }] };
    gc();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    // Buffers live outside the V8 heap: a buffered body would show here even where RSS reuses freed pages.
    let peakExternal = baseline.external;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakExternal = Math.max(peakExternal, now.external);
    }, 20);
    const started = Date.now();
    let response: unknown;
    try {
      response = await handler(delivery, lambdaContext());
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    expect(response).toMatchObject({ items: [{ kind: 'object', outcome: { status: 'complete' } }] });

    const ledgerKey = (await s3.list(FINDINGS, 'ledger/'))[0] as string;
    const entry = JSON.parse(await s3.getText(FINDINGS, ledgerKey)) as LedgerEntry;
    // 24 events per block (8 of them process creations, one the true positive); pids change every 1000 blocks.
    expect(entry).toMatchObject({ status: 'complete', bytes_read: SIZE, events: 24 * blocks, process_events: 8 * blocks, rows: Math.ceil(blocks / 1000) });

    const growth = peakRss - baseline.rss;
    process.stdout.write(
      `200 MB scan: ${seconds.toFixed(1)} s (${(SIZE / MB / seconds).toFixed(0)} MB/s), ${blocks} blocks, ` +
        `RSS growth ${(growth / MB).toFixed(1)} MB, heap growth ${((peakHeap - baseline.heapUsed) / MB).toFixed(1)} MB, ` +
        `external growth ${((peakExternal - baseline.external) / MB).toFixed(1)} MB\n`,
    );
    expect(growth).toBeLessThan(MAX_GROWTH);
    expect(peakHeap - baseline.heapUsed).toBeLessThan(MAX_GROWTH);
    expect(peakExternal - baseline.external).toBeLessThan(MAX_GROWTH);
  }, 180_000);
});
