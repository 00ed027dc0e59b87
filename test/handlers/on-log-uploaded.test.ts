/**
 * The upload handler end to end, through the real SDK against s3rver over HTTP: every sample payload in events/,
 * exact findings and ledger content, redelivery, SQS partial batch failures, the recursion guard.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime, type FunctionRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { encodeS3Key } from '../../functions/aws/object-events.ts';
import { sourceId } from '../../functions/aws/output-keys.ts';
import type { DirectResponse } from '../../functions/aws/upload-deliveries.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { bucketSnapshot } from '../support/bucket-snapshot.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { sampleBytes, SAMPLE_COUNTS, SAMPLE_KEYS, uploadSamples, WEB01_ROW } from '../support/sample-logs.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

const SLUG = 'windows_iis_components_add_new_module';
let s3: S3Harness;
let runtime: FunctionRuntime;
let handler: ReturnType<typeof createOnLogUploadedHandler>;

function event(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as unknown;
}

function md5Of(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

function idOf(key: string, bytes: Buffer): string {
  return sourceId({ bucket: LOGS, key, etag: md5Of(bytes) }, DETECTIONS);
}

async function ledger(id: string): Promise<LedgerEntry> {
  return JSON.parse(await s3.getText(FINDINGS, `ledger/${id}.json`)) as LedgerEntry;
}

/** An S3 notification as real S3 sends it (key URL-encoded). */
function notification(bucket: string, key: string): unknown {
  return {
    Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeS3Key(key) } } }],
  };
}

function sqsBatch(bodies: unknown[]): unknown {
  return { Records: bodies.map((body, i) => ({ messageId: `m${i}`, eventSource: 'aws:sqs', body: JSON.stringify(body) })) };
}

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  await uploadSamples(s3, LOGS);
  runtime = await testRuntime(s3);
  handler = createOnLogUploadedHandler(lazyRuntime(async () => runtime));
});

afterAll(async () => {
  await s3.close();
});

describe('events/ payloads through the handler', () => {
  it('sqs-s3-batch.json: the true positive row exactly, the gzip sample scanned, no failures', async () => {
    const response = (await handler(event('sqs-s3-batch.json'), lambdaContext())) as SQSBatchResponse;
    expect(response).toEqual({ batchItemFailures: [] });

    const web01 = sampleBytes('web01/iis module install.xml');
    const id = idOf(SAMPLE_KEYS.web01, web01);
    const findingsKey = `findings/detection=${SLUG}/dt=2022-03-25/${id}.jsonl`;
    const lines = (await s3.getText(FINDINGS, findingsKey)).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const finding = JSON.parse(lines[0] as string) as Record<string, unknown>;
    // Splunk's columns first, in Splunk's order, with the values worked out by hand (SOURCES.md).
    expect(Object.keys(finding).slice(0, 11)).toEqual(Object.keys(WEB01_ROW));
    expect(Object.fromEntries(Object.keys(WEB01_ROW).map((k) => [k, finding[k]]))).toEqual(WEB01_ROW);
    expect(finding.detection).toMatchObject({ id: '38fe731c-1f13-43d4-b878-a5bbe44807e3', version: 1 });
    expect(finding.evidence).toMatchObject({
      events: 1,
      truncated: false,
      items: [
        {
          source: `s3://${LOGS}/${SAMPLE_KEYS.web01}`,
          offset: web01.indexOf('\n') + 1,
          EventRecordID: '361823',
          time: '2022-03-25T17:46:37.652897900Z',
        },
      ],
    });

    const entry = await ledger(id);
    expect(entry).toMatchObject({
      source_id: id,
      bucket: LOGS,
      key: SAMPLE_KEYS.web01,
      etag: md5Of(web01),
      size: SAMPLE_COUNTS.web01.bytes,
      status: 'complete',
      failure: null,
      format: 'xml',
      compression: 'none',
      bytes_read: SAMPLE_COUNTS.web01.bytes,
      events: SAMPLE_COUNTS.web01.events,
      process_events: SAMPLE_COUNTS.web01.processEvents,
      problems: {},
      rows: 1,
      findings: [{ detection: SLUG, key: findingsKey, rows: 1 }],
      quarantine: null,
      detections: [{ id: '38fe731c-1f13-43d4-b878-a5bbe44807e3', slug: SLUG, version: 1 }],
    });

    const gz = await ledger(idOf(SAMPLE_KEYS.web02, sampleBytes('web02/generic-webshell-exploit.log.gz')));
    expect(gz).toMatchObject({
      status: 'complete',
      compression: 'gzip',
      format: 'xml',
      bytes_read: SAMPLE_COUNTS.web02.bytes,
      bytes_decoded: SAMPLE_COUNTS.web02.decoded,
      events: SAMPLE_COUNTS.web02.events,
      process_events: SAMPLE_COUNTS.web02.processEvents,
      rows: 0,
      findings: [],
    });
  });

  it('s3-put.json (direct S3 notification): no findings, but a ledger entry', async () => {
    const response = (await handler(event('s3-put.json'), lambdaContext())) as DirectResponse;
    const id = idOf(SAMPLE_KEYS.dc01, sampleBytes('dc01/credential-dumping-via-symlink.log'));
    expect(response.items).toEqual([
      {
        kind: 'object',
        outcome: { status: 'complete', bucket: LOGS, key: SAMPLE_KEYS.dc01, sourceId: id, rows: 0, ledgerKey: `ledger/${id}.json`, findingsKeys: [] },
      },
    ]);
    expect(await ledger(id)).toMatchObject({ status: 'complete', events: SAMPLE_COUNTS.dc01.events, process_events: SAMPLE_COUNTS.dc01.processEvents, rows: 0 });
    expect((await s3.list(FINDINGS, 'findings/')).filter((k) => k.includes(id))).toEqual([]);
  });

  it('s3-put-key-with-spaces-unicode.json: the key is decoded and read as stored', async () => {
    const response = (await handler(event('s3-put-key-with-spaces-unicode.json'), lambdaContext())) as DirectResponse;
    const id = idOf(SAMPLE_KEYS.web01Unicode, sampleBytes('web01/iis module install.xml'));
    expect(response.items).toMatchObject([{ kind: 'object', outcome: { status: 'complete', key: SAMPLE_KEYS.web01Unicode, rows: 1 } }]);
    const text = await s3.getText(FINDINGS, `findings/detection=${SLUG}/dt=2022-03-25/${id}.jsonl`);
    const finding = JSON.parse(text) as { evidence: { items: Array<{ source: string }> } };
    expect(finding.evidence.items[0]?.source).toBe(`s3://${LOGS}/samples/web01/Prüfung 2022-03-25/iis module install +1 ✓.xml`);
  });

  it('eventbridge-object-created.json: same object as via SQS → same keys, same content', async () => {
    const before = await bucketSnapshot(s3, FINDINGS);
    const response = (await handler(event('eventbridge-object-created.json'), lambdaContext())) as DirectResponse;
    expect(response.items).toMatchObject([{ kind: 'object', outcome: { status: 'complete', key: SAMPLE_KEYS.web01, rows: 1 } }]);
    expect(await bucketSnapshot(s3, FINDINGS)).toEqual(before);
  });

  it('s3-test-event.json: acknowledged, nothing written', async () => {
    const before = await s3.list(FINDINGS);
    expect(await handler(event('s3-test-event.json'), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await s3.list(FINDINGS)).toEqual(before);
  });
});

describe('redelivery', () => {
  it('the same SQS batch delivered twice rewrites identical objects: nothing doubled', async () => {
    await handler(event('sqs-s3-batch.json'), lambdaContext());
    const first = await bucketSnapshot(s3, FINDINGS);
    await handler(event('sqs-s3-batch.json'), lambdaContext({ requestId: 'second' }));
    const second = await bucketSnapshot(s3, FINDINGS);
    expect(second).toEqual(first);
    // Each findings file holds exactly the rows its ledger entry counts: no row written twice.
    const ledgers = Object.entries(second).filter(([key]) => key.startsWith('ledger/'));
    for (const [, text] of ledgers) {
      const entry = JSON.parse(text) as LedgerEntry;
      for (const file of entry.findings) expect((second[file.key] ?? '').split('\n').filter(Boolean)).toHaveLength(file.rows);
    }
    const lines = Object.entries(second).filter(([key]) => key.startsWith('findings/')).flatMap(([, text]) => text.split('\n').filter(Boolean));
    expect(lines).toHaveLength(ledgers.reduce((sum, [, text]) => sum + (JSON.parse(text) as LedgerEntry).rows, 0));
  });

  it('re-uploading the same bytes (a new version, same ETag) writes to the same keys', async () => {
    const before = await bucketSnapshot(s3, FINDINGS);
    await s3.put(LOGS, SAMPLE_KEYS.web01, sampleBytes('web01/iis module install.xml'));
    // This notification carries no version id, unlike the first delivery's: the ledger records the version read.
    await handler(notification(LOGS, SAMPLE_KEYS.web01), lambdaContext());
    const after = await bucketSnapshot(s3, FINDINGS);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const [key, text] of Object.entries(before)) {
      if (key.startsWith('ledger/')) expect({ ...JSON.parse(after[key] as string), version_id: null }).toEqual({ ...JSON.parse(text), version_id: null });
      else expect(after[key]).toBe(text);
    }
  });
});

describe('failures', () => {
  it('a corrupt gzip ends failed in its ledger while the other records of the SQS batch succeed', { timeout: 20_000 }, async () => {
    const gz = gzipSync(sampleBytes('web01/iis module install.xml'));
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xa5, 200, 260);
    await s3.put(LOGS, 'uploads/corrupt.log.gz', corrupt);
    await s3.put(LOGS, 'uploads/good copy.log.gz', gz);
    const response = (await handler(
      sqsBatch([notification(LOGS, 'uploads/good copy.log.gz'), notification(LOGS, 'uploads/corrupt.log.gz'), notification(LOGS, SAMPLE_KEYS.dc01)]),
      lambdaContext(),
    )) as SQSBatchResponse;
    expect(response).toEqual({ batchItemFailures: [] });
    const bad = await ledger(sourceId({ bucket: LOGS, key: 'uploads/corrupt.log.gz', etag: md5Of(corrupt) }, DETECTIONS));
    expect(bad.status).toBe('failed');
    expect(bad.failure?.reason).toBe('corrupt-compression');
    expect(bad.failure?.message).toBeTruthy();
    const good = await ledger(sourceId({ bucket: LOGS, key: 'uploads/good copy.log.gz', etag: md5Of(gz) }, DETECTIONS));
    expect(good).toMatchObject({ status: 'complete', compression: 'gzip', rows: 1, events: SAMPLE_COUNTS.web01.events });
  });

  it('a truncated gzip (an interrupted upload) ends failed with its offset; the batch has no failures', async () => {
    const gz = gzipSync(sampleBytes('web01/iis module install.xml'));
    const truncated = gz.subarray(0, 900);
    await s3.put(LOGS, 'uploads/truncated.log.gz', truncated);
    const response = (await handler(sqsBatch([notification(LOGS, 'uploads/truncated.log.gz'), notification(LOGS, SAMPLE_KEYS.dc01)]), lambdaContext())) as SQSBatchResponse;
    expect(response).toEqual({ batchItemFailures: [] });
    const entry = await ledger(sourceId({ bucket: LOGS, key: 'uploads/truncated.log.gz', etag: md5Of(truncated) }, DETECTIONS));
    expect(entry).toMatchObject({ status: 'failed', failure: { reason: 'corrupt-compression', offset: 900 }, bytes_read: 900, problems: { 'corrupt-compression': 1 } });
    expect(entry.quarantine?.lines).toBe(1);
  });

  it('an object of no known format fails with the reason', async () => {
    const text = Buffer.from('this is not a Windows event log\n'.repeat(10));
    await s3.put(LOGS, 'uploads/notes.txt', text);
    const response = (await handler(notification(LOGS, 'uploads/notes.txt'), lambdaContext())) as DirectResponse;
    expect(response.items).toMatchObject([{ kind: 'object', outcome: { status: 'failed', failure: { reason: 'unknown-format' } } }]);
    const entry = await ledger(sourceId({ bucket: LOGS, key: 'uploads/notes.txt', etag: md5Of(text) }, DETECTIONS));
    expect(entry).toMatchObject({ status: 'failed', failure: { reason: 'unknown-format' }, quarantine: { lines: 1, dropped: 0 } });
  });

  it('a transient S3 error fails only its own SQS message', async () => {
    const response = (await handler(
      sqsBatch([notification(LOGS, SAMPLE_KEYS.dc01), notification('no-such-bucket', 'x.log'), notification(LOGS, SAMPLE_KEYS.web01)]),
      lambdaContext(),
    )) as SQSBatchResponse;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('an unreadable SQS body is left for redelivery (and the DLQ)', async () => {
    const response = (await handler(
      { Records: [{ messageId: 'bad', eventSource: 'aws:sqs', body: 'not json' }, { messageId: 'ok', eventSource: 'aws:sqs', body: JSON.stringify(notification(LOGS, SAMPLE_KEYS.dc01)) }] },
      lambdaContext(),
    )) as SQSBatchResponse;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });

  it('a deleted object is acknowledged as gone, without a ledger entry', async () => {
    const before = await s3.list(FINDINGS, 'ledger/');
    const response = (await handler(notification(LOGS, 'uploads/never-uploaded.log'), lambdaContext())) as DirectResponse;
    expect(response.items).toMatchObject([{ kind: 'object', outcome: { status: 'skipped', reason: 'object-gone' } }]);
    expect(await s3.list(FINDINGS, 'ledger/')).toEqual(before);
  });
});

describe('recursion guard', () => {
  it('refuses events for the findings bucket: nothing is read or written', async () => {
    await s3.put(FINDINGS, 'uploads/sysmon.xml', sampleBytes('web01/iis module install.xml'));
    const ledgerKey = (await s3.list(FINDINGS, 'ledger/'))[0] as string;
    const before = await bucketSnapshot(s3, FINDINGS);
    const response = (await handler(
      { Records: [...(notification(FINDINGS, 'uploads/sysmon.xml') as { Records: unknown[] }).Records, ...(notification(FINDINGS, ledgerKey) as { Records: unknown[] }).Records] },
      lambdaContext(),
    )) as DirectResponse;
    expect(response.items.map((i) => (i.kind === 'object' && i.outcome.status === 'skipped' ? i.outcome.reason : i.kind))).toEqual(['output-location', 'output-location']);
    expect(await bucketSnapshot(s3, FINDINGS)).toEqual(before);
  });
});
