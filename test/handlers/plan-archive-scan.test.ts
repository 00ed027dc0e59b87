import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import { createPlanArchiveScanHandler } from '../../functions/handlers/plan-archive-scan.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;
const scheduled = JSON.parse(readFileSync(new URL('../../events/scheduled-scan.json', import.meta.url), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  await s3.put(LOGS, 'sysmon/dt=2026-11-26/host 1.xml', '<Events/>');
});

afterAll(async () => {
  await s3.close();
});

describe('plan-archive-scan', () => {
  it('events/scheduled-scan.json: yesterday relative to scheduledTime, the dt= partition when present', async () => {
    const partitioned = createPlanArchiveScanHandler(lazyRuntime(() => testRuntime(s3, { ARCHIVE_PREFIX: 'sysmon/' })));
    expect(await partitioned(scheduled, lambdaContext())).toEqual({
      bucket: LOGS,
      prefix: 'sysmon/dt=2026-11-26/',
      window: { mode: 'partition', day: '2026-11-26' },
      detections: [{ id: '38fe731c-1f13-43d4-b878-a5bbe44807e3', slug: 'windows_iis_components_add_new_module', version: 1 }],
      reference: '2026-11-27T01:15:00.000Z',
    });
    const flat = createPlanArchiveScanHandler(lazyRuntime(() => testRuntime(s3)));
    expect(await flat(scheduled, lambdaContext())).toMatchObject({
      prefix: '',
      window: { mode: 'last-modified', from: '2026-11-26T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' },
    });
  });
});
