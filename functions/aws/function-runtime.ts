/**
 * What every handler needs, built once per container (cold start): the validated config, one S3 client, the
 * detections, the compiled filter macro, logger and metrics. A failure (bad config, unreadable filter file) is not
 * cached, so a transient one does not poison the container.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DETECTIONS } from '../core/rules/index.ts';
import type { Detection } from '../core/rules/detection.ts';
import { readConfig, type Config, type Environment } from './config.ts';
import { createTelemetry, type Telemetry } from './lambda-telemetry.ts';
import { readOutput } from './output-objects.ts';
import { loadRowFilters, type RowFilters } from './row-filters.ts';
import { createS3Client } from './s3-client.ts';

/** A handler's dependencies. */
export interface FunctionRuntime {
  readonly config: Config;
  readonly s3: S3Client;
  readonly detections: readonly Detection[];
  readonly filters: RowFilters;
  readonly telemetry: Telemetry;
  /** The clock (tests pin it); the ledger's started/ended come from it. */
  readonly now: () => Date;
}

/** Replaceable parts, for tests and the local pipeline (e.g. a detection list with a bumped version). */
export interface RuntimeOverrides {
  detections?: readonly Detection[];
  s3?: S3Client;
  telemetry?: Telemetry;
  now?: () => Date;
}

/** Reads the config from `env` and builds the runtime. */
export async function createRuntime(env: Environment, overrides: RuntimeOverrides = {}): Promise<FunctionRuntime> {
  const config = readConfig(env);
  const s3 = overrides.s3 ?? createS3Client(config, env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
  const detections = overrides.detections ?? DETECTIONS;
  const filters = await loadRowFilters(config.filter, detections, async (bucket, key) => {
    const text = await readOutput(s3, bucket, key);
    if (text === undefined) throw new Error('no such object');
    return text;
  });
  return Object.freeze({
    config,
    s3,
    detections,
    filters,
    telemetry: overrides.telemetry ?? createTelemetry(),
    now: overrides.now ?? (() => new Date()),
  });
}

/** A memoized runtime factory: the first call builds, later calls share; a failed build is retried next call. */
export function lazyRuntime(build: () => Promise<FunctionRuntime>): () => Promise<FunctionRuntime> {
  let pending: Promise<FunctionRuntime> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
