/**
 * Compressed objects the upload handler cannot read to their end, in the ledger. The decompression-bomb guard configured
 * through the environment (MAX_OBJECT_BYTES, MAX_DECOMPRESSION_RATIO, DECOMPRESSION_RATIO_FLOOR_BYTES) reaches the scan:
 * the same highly compressible object is complete under the defaults and fails as too-large, naming the limit, under
 * tighter settings. A truncated .gz, zip or tar.gz ends failed alike. Either way the events read before the break count.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { sourceId } from '../../functions/aws/output-keys.ts';
import type { DirectResponse } from '../../functions/aws/upload-deliveries.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { sampleBytes, SAMPLE_COUNTS } from '../support/sample-logs.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;

/** The web01 sample (24 events, one row) followed by 8 MiB of newlines: ~600:1 as gzip, harmless under the defaults. */
const PADDED = gzipSync(Buffer.concat([sampleBytes('web01/iis module install.xml'), Buffer.alloc(8 * 1024 * 1024, 0x0a)]), { level: 9 });

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
});

afterAll(async () => {
  await s3.close();
});

async function scanWith(env: Record<string, string>, key: string, body: Uint8Array = PADDED): Promise<LedgerEntry> {
  await s3.put(LOGS, key, body);
  const runtime = await testRuntime(s3, env);
  const handler = createOnLogUploadedHandler(lazyRuntime(async () => runtime));
  const notification = { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key } } }] };
  const response = (await handler(notification, lambdaContext())) as DirectResponse;
  expect(response.items).toHaveLength(1);
  const etag = createHash('md5').update(body).digest('hex');
  return JSON.parse(await s3.getText(FINDINGS, `ledger/${sourceId({ bucket: LOGS, key, etag }, DETECTIONS)}.json`)) as LedgerEntry;
}

describe('decompression limits from the environment', () => {
  it('the defaults scan the padded object to its end', async () => {
    expect(PADDED.length).toBeLessThan(32 * 1024);
    const entry = await scanWith({}, 'uploads/default.log.gz');
    expect(entry).toMatchObject({ status: 'complete', failure: null, events: SAMPLE_COUNTS.web01.events, rows: 1 });
    expect(entry.bytes_decoded).toBe(SAMPLE_COUNTS.web01.bytes + 8 * 1024 * 1024);
  });

  it.each([
    ['MAX_DECOMPRESSION_RATIO with the floor', { MAX_DECOMPRESSION_RATIO: '100', DECOMPRESSION_RATIO_FLOOR_BYTES: '4194304' }, /over the 100:1 ratio limit/],
    ['MAX_OBJECT_BYTES', { MAX_OBJECT_BYTES: '4194304' }, /exceeds the 4194304-byte limit/],
  ])('%s: failed as too-large, the message names the limit, the events before it still count', async (_name, env, message) => {
    const entry = await scanWith(env, `uploads/${Object.keys(env).join('-')}.log.gz`);
    expect(entry).toMatchObject({ status: 'failed', failure: { reason: 'too-large' }, problems: { 'too-large': 1 }, events: SAMPLE_COUNTS.web01.events, rows: 1 });
    expect(entry.failure?.message).toMatch(message);
    expect(entry.bytes_decoded).toBeLessThan(8 * 1024 * 1024);
  });

  it('a floor above the object leaves the ratio unchecked', async () => {
    const entry = await scanWith({ MAX_DECOMPRESSION_RATIO: '100', DECOMPRESSION_RATIO_FLOOR_BYTES: String(16 * 1024 * 1024) }, 'uploads/high-floor.log.gz');
    expect(entry).toMatchObject({ status: 'complete', events: SAMPLE_COUNTS.web01.events, rows: 1 });
  });
});

describe('truncated archives end like a truncated .gz', () => {
  const web01 = sampleBytes('web01/iis module install.xml');
  // Stored (level 0), so a cut at 60% falls after the true positive (byte ~4,250 of 45,205) in every packaging.
  const TGZ_MEMBER = 'logs/sub/otrf-aptsimulator.lines-1-30-with-a-member-name-longer-than-the-hundred-bytes-a-ustar-name-field-holds.json';
  it.each([
    ['.gz', gzipSync(web01, { level: 0 }), undefined, 1],
    ['zip', zipSync({ 'web01.xml': web01 }, { level: 0 }), 'web01.xml', 1],
    ['tar.gz', readFileSync('test/fixtures/compressed/logs.tar.gz'), TGZ_MEMBER, 0],
  ] as const)('%s cut at 60%%: failed (corrupt-compression) naming the member; the rows before the cut are written', async (kind, whole, entry, rows) => {
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const ledger = await scanWith({}, `uploads/cut-${kind}`, cut);
    expect(ledger).toMatchObject({ status: 'failed', failure: { reason: 'corrupt-compression' }, problems: { 'corrupt-compression': 1 }, rows });
    expect(ledger.failure?.entry).toBe(entry);
    expect(ledger.events).toBeGreaterThan(0);
    expect(ledger.quarantine?.lines).toBe(1);
    expect(ledger.findings).toHaveLength(rows);
    for (const file of ledger.findings) expect(await s3.getText(FINDINGS, file.key)).toContain('DefaultDocumentModule_Atomic');
  });
});
