/**
 * The scheduled scan over 2,000+ archived objects: plan, a paginated listing, batches through scan-batch; every object
 * scanned exactly once, a second run skips them all by the ledger, a detection version bump rescans each once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime, type FunctionRuntime } from '../../functions/aws/function-runtime.ts';
import { createPlanArchiveScanHandler } from '../../functions/handlers/plan-archive-scan.ts';
import { createScanBatchHandler } from '../../functions/handlers/scan-batch.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { bucketSnapshot } from '../support/bucket-snapshot.ts';
import { runArchiveScan, type ArchiveRun } from '../support/distributed-map.ts';
import { sampleBytes } from '../support/sample-logs.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

const OBJECTS = 2050;
const TP_EVERY = 100;
const SCHEDULE = { trigger: 'schedule', scheduledTime: '2026-11-27T01:15:00Z', scheduleExecutionId: 'e-1' };
const ENV = { ARCHIVE_PREFIX: 'archive/', ARCHIVE_WINDOW: 'all' };
let s3: S3Harness;

function keyOf(i: number): string {
  return `archive/host-${String(i % 7).padStart(2, '0')}/sysmon ${String(i).padStart(5, '0')}.xml`;
}

async function run(runtime: FunctionRuntime): Promise<ArchiveRun> {
  const get = lazyRuntime(async () => runtime);
  return runArchiveScan({
    s3: s3.client,
    plan: createPlanArchiveScanHandler(get),
    scanBatch: createScanBatchHandler(get),
    scheduleEvent: SCHEDULE,
    itemsPerBatch: 25,
  });
}

function statuses(results: ArchiveRun['results']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const label = r.status === 'skipped' ? `skipped:${String(r.reason)}` : r.status;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  const plain = sampleBytes('dc01/credential-dumping-via-symlink.log');
  const tp = sampleBytes('web01/iis module install.xml');
  // A handful of keys outside the archive prefix must not be listed.
  await s3.put(LOGS, 'uploads/elsewhere.xml', tp);
  for (let start = 0; start < OBJECTS; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, OBJECTS - start) }, (_, j) => {
        const i = start + j;
        return s3.put(LOGS, keyOf(i), i % TP_EVERY === 0 ? tp : plain);
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await s3.close();
});

describe('scheduled archive scan over 2,000+ objects', () => {
  let first: Record<string, string>;

  it('first run: listing paginated, every object scanned exactly once', async () => {
    const runtime = await testRuntime(s3, ENV);
    const result = await run(runtime);
    expect(result.plan).toMatchObject({ bucket: LOGS, prefix: 'archive/', window: { mode: 'all' } });
    expect(result.items).toBe(OBJECTS);
    expect(result.pages).toBe(3);
    expect(result.failedBatches).toBe(0);
    expect(statuses(result.results)).toEqual({ complete: OBJECTS });
    expect(new Set(result.results.map((r) => r.key)).size).toBe(OBJECTS);
    const tps = Math.ceil(OBJECTS / TP_EVERY);
    expect(result.results.filter((r) => r.rows === 1).length).toBe(tps);
    expect((await s3.list(FINDINGS, 'ledger/')).length).toBe(OBJECTS);
    expect((await s3.list(FINDINGS, 'findings/')).length).toBe(tps);
    first = await bucketSnapshot(s3, FINDINGS);
  }, 180_000);

  it('second run: everything skipped by the ledger, nothing rewritten', async () => {
    const runtime = await testRuntime(s3, ENV);
    const listed = await s3.list(FINDINGS);
    const raw: Record<string, string> = {};
    for (const key of listed.filter((k) => k.startsWith('ledger/')).slice(0, 50)) raw[key] = await s3.getText(FINDINGS, key);
    const result = await run(runtime);
    expect(statuses(result.results)).toEqual({ 'skipped:already-scanned': OBJECTS });
    expect(await s3.list(FINDINGS)).toEqual(listed);
    // Not even the ledger timings changed: no object was rewritten.
    for (const [key, text] of Object.entries(raw)) expect(await s3.getText(FINDINGS, key)).toBe(text);
  }, 180_000);

  it('a detection version bump rescans every object once, then skips again', async () => {
    const bumped = DETECTIONS.map((d) => ({ ...d, version: d.version + 1 }));
    const runtime = await testRuntime(s3, ENV, { detections: bumped });
    const result = await run(runtime);
    expect(result.plan.detections.map((d) => d.version)).toEqual(bumped.map((d) => d.version));
    expect(statuses(result.results)).toEqual({ complete: OBJECTS });
    expect((await s3.list(FINDINGS, 'ledger/')).length).toBe(2 * OBJECTS);
    const again = await run(runtime);
    expect(statuses(again.results)).toEqual({ 'skipped:already-scanned': OBJECTS });
    // The outputs of the old version are untouched.
    const now = await bucketSnapshot(s3, FINDINGS);
    for (const [key, text] of Object.entries(first)) expect(now[key]).toBe(text);
  }, 240_000);
});
