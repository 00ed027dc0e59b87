/**
 * The exported `handler` of each function, as Lambda loads it: configuration from process.env, read once at cold start;
 * a bad configuration fails the invocation naming the variable and is not cached.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/aws/config.ts';
import type { DirectResponse } from '../../functions/aws/upload-deliveries.ts';
import { handler as onLogUploaded } from '../../functions/handlers/on-log-uploaded.ts';
import { handler as planArchiveScan } from '../../functions/handlers/plan-archive-scan.ts';
import { handler as scanBatch } from '../../functions/handlers/scan-batch.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { SAMPLE_KEYS, uploadSamples } from '../support/sample-logs.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS } from '../support/test-runtime.ts';

let s3: S3Harness;

function event(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as unknown;
}

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  await uploadSamples(s3, LOGS);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    LOGS_BUCKET: LOGS,
    S3_ENDPOINT: s3.endpoint,
  });
  delete process.env.FINDINGS_BUCKET;
});

afterAll(async () => {
  await s3.close();
});

describe('exported handlers', () => {
  it('fail naming the missing variable, then work once it is set (the failure is not cached)', async () => {
    const error = await onLogUploaded(event('s3-put.json'), lambdaContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('FINDINGS_BUCKET');

    process.env.FINDINGS_BUCKET = FINDINGS;
    process.env.FILTER_EXPRESSIONS = 'search NOT dest="win-dc-*"';
    const response = (await onLogUploaded(event('s3-put-key-with-spaces-unicode.json'), lambdaContext())) as DirectResponse;
    // The filter macro drops the true positive's row (its dest is win-dc-emcginnis-…).
    expect(response.items).toMatchObject([{ kind: 'object', outcome: { status: 'complete', key: SAMPLE_KEYS.web01Unicode, rows: 0 } }]);
    const ledgerKey = (await s3.list(FINDINGS, 'ledger/'))[0] as string;
    const entry = JSON.parse(await s3.getText(FINDINGS, ledgerKey)) as { filter: { source: string; sha256: string }; rows: number };
    expect(entry.filter.source).toBe('inline');
    expect(entry.filter.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await s3.list(FINDINGS, 'findings/')).toEqual([]);
  });

  it('plan and scan-batch read the same environment', async () => {
    process.env.ARCHIVE_PREFIX = 'samples/';
    process.env.ARCHIVE_WINDOW = 'all';
    const plan = await planArchiveScan(event('scheduled-scan.json'), lambdaContext());
    expect(plan).toMatchObject({ bucket: LOGS, prefix: 'samples/', window: { mode: 'all' } });
    const batch = event('distributed-map-batch.json') as { Items: unknown[] };
    const result = await scanBatch({ Items: batch.Items, BatchInput: { bucket: LOGS, plan } }, lambdaContext());
    // The plan's window is `all`, so no item is outside it; the filter macro applies here too (no rows).
    expect(result.counts).toEqual({ complete: 3 });
    expect(result.results.map((r) => r.rows)).toEqual([0, 0, 0]);
  });
});
