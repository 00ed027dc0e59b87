/**
 * The functions' runtime pointed at a test server: config read from an env object through the real readConfig, the
 * harness's client, silent logs and metrics unless a test wants to see them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createRuntime, type FunctionRuntime, type RuntimeOverrides } from '../../functions/aws/function-runtime.ts';
import type { S3Harness } from './s3rver-harness.ts';

/** Default buckets of the tests. */
export const LOGS = 'sysmon-logs';
export const FINDINGS = 'sysmon-findings';

/** A runtime for the harness (its client unless `overrides.s3`); `env` adds or overrides variables. */
export async function testRuntime(
  s3: S3Harness,
  env: Record<string, string> = {},
  overrides: RuntimeOverrides = {},
): Promise<FunctionRuntime> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const telemetry = overrides.telemetry ?? {
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ serviceName: 'test', namespace: 'test' }),
  };
  return createRuntime(
    { LOGS_BUCKET: LOGS, FINDINGS_BUCKET: FINDINGS, S3_ENDPOINT: s3.endpoint, ...env },
    { ...overrides, s3: overrides.s3 ?? s3.client, telemetry },
  );
}
