/**
 * Logs and metrics as CloudWatch receives them (stdout): JSON log lines carrying the request id and the object's
 * bucket/key, and one EMF document per invocation with the object metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import { encodeS3Key } from '../../functions/aws/object-events.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { sampleBytes } from '../support/sample-logs.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;
const KEY = 'uploads/host a/sysmon.xml';

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  await s3.put(LOGS, KEY, sampleBytes('web01/iis module install.xml'));
});

afterAll(async () => {
  await s3.close();
});

describe('telemetry', () => {
  it('logs JSON with request id and key; publishes EMF metrics for the object', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const telemetry = {
      logger: new Logger({ serviceName: 'sysmon-s3-detect', logLevel: 'INFO' }),
      metrics: new Metrics({ serviceName: 'sysmon-s3-detect', namespace: 'SysmonS3Detect' }),
    };
    const runtime = await testRuntime(s3, {}, { telemetry });
    const handler = createOnLogUploadedHandler(lazyRuntime(async () => runtime));
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await handler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key: encodeS3Key(KEY) } } }] }, lambdaContext({ requestId: 'req-42' }));
    } finally {
      spy.mockRestore();
    }
    const lines = written.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const scanned = lines.find((l) => l.message === 'object scanned');
    expect(scanned).toMatchObject({ level: 'INFO', service: 'sysmon-s3-detect', function_request_id: 'req-42', bucket: LOGS, key: KEY, status: 'complete', rows: 1, events: 24 });
    const emf = lines.find((l) => l._aws !== undefined) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> } };
    expect(emf._aws.CloudWatchMetrics[0]?.Namespace).toBe('SysmonS3Detect');
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual(
      ['BytesDecoded', 'BytesRead', 'Events', 'ObjectsScanned', 'Problems', 'ProcessEvents', 'Rows', 'ScanDuration'].sort(),
    );
    expect(emf).toMatchObject({ ObjectsScanned: 1, BytesRead: 45205, Events: 24, ProcessEvents: 8, Problems: 0, Rows: 1 });
  });
});
