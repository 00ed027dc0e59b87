/**
 * The scheduled archive scan's plan: which bucket and prefix the Distributed Map lists, and which time window scan-batch
 * keeps. ListObjectsV2 cannot filter by time, so the window narrows the listing where the layout allows it:
 * - `yesterday` with Hive partitions: when `<ARCHIVE_PREFIX>dt=<yesterday>/` holds objects, only that partition is
 *   listed and every object in it is in the window (late arrivals included);
 * - `yesterday` without them: the whole ARCHIVE_PREFIX is listed and objects are kept by LastModified within the
 *   previous UTC day;
 * - `last-<N>h`: LastModified within the N hours before the scheduled time; `all`: everything under the prefix.
 * Times are relative to the schedule's `scheduledTime`, so a retried start plans the same window.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ConfigError, parseArchiveWindow, type ArchiveWindow } from './config.ts';
import { ENV } from './env-names.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import { utcDay } from './output-keys.ts';

/** The objects a run keeps, after listing. */
export type PlanWindow =
  | { mode: 'partition'; day: string }
  | { mode: 'last-modified'; from: string; to: string }
  | { mode: 'all' };

/** The plan step's output; the state machine keeps it at `$.plan` and passes it to every batch. */
export interface ArchivePlan {
  bucket: string;
  /** What the ItemReader lists. */
  prefix: string;
  window: PlanWindow;
  /** The detection versions this plan was made for (scan-batch uses its own build's; this is for the record). */
  detections: Array<{ id: string; slug: string; version: number }>;
  /** The reference time of the window (the schedule's scheduledTime, or the plan time). */
  reference: string;
}

/**
 * The plan step's input. EventBridge Scheduler sends `{ trigger, scheduledTime, scheduleExecutionId }`; a manual run may
 * add `window` (`yesterday` | `last-<N>h` | `all`), `prefix` (inside ARCHIVE_PREFIX) and `day` (`YYYY-MM-DD`, for `yesterday`).
 */
export interface PlanRequest {
  scheduledTime?: string;
  window?: string;
  prefix?: string;
  day?: string;
}

/** A plan request that cannot be honoured, naming the field. */
export class PlanRequestError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PlanRequestError';
    this.field = field;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Validates the step's input (unknown fields are ignored). */
export function parsePlanRequest(event: unknown): PlanRequest {
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) throw new PlanRequestError('$', 'expected a JSON object');
  const input = event as Record<string, unknown>;
  const request: PlanRequest = {};
  for (const field of ['scheduledTime', 'window', 'prefix', 'day'] as const) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new PlanRequestError(field, 'expected a string');
    request[field] = value;
  }
  if (request.scheduledTime !== undefined && Number.isNaN(Date.parse(request.scheduledTime))) {
    throw new PlanRequestError('scheduledTime', `${JSON.stringify(request.scheduledTime)} is not an ISO-8601 time`);
  }
  if (request.day !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(request.day) || Number.isNaN(Date.parse(`${request.day}T00:00:00Z`)))) {
    throw new PlanRequestError('day', `${JSON.stringify(request.day)} is not YYYY-MM-DD`);
  }
  return request;
}

function windowOf(request: PlanRequest, configured: ArchiveWindow): ArchiveWindow {
  if (request.window === undefined) return configured;
  try {
    return parseArchiveWindow(request.window);
  } catch (error) {
    throw new PlanRequestError('window', (error as Error).message.replace(/^[A-Z_]+: /, ''));
  }
}

/** Decides bucket, prefix and window for one run. */
export async function planArchiveScan(runtime: FunctionRuntime, request: PlanRequest): Promise<ArchivePlan> {
  const { config, s3, detections } = runtime;
  if (config.logsBucket === undefined) throw new ConfigError(ENV.logsBucket, 'is required for the archive scan');
  const bucket = config.logsBucket;
  const prefix = request.prefix ?? config.archivePrefix;
  if (!prefix.startsWith(config.archivePrefix)) {
    throw new PlanRequestError('prefix', `${JSON.stringify(prefix)} is outside ${ENV.archivePrefix} ${JSON.stringify(config.archivePrefix)}`);
  }
  const reference = request.scheduledTime === undefined ? runtime.now() : new Date(request.scheduledTime);
  const base = {
    bucket,
    detections: detections.map((d) => ({ id: d.id, slug: d.slug, version: d.version })),
    reference: reference.toISOString(),
  };
  const window = windowOf(request, config.archiveWindow);
  switch (window.kind) {
    case 'all':
      return { ...base, prefix, window: { mode: 'all' } };
    case 'last-hours':
      return {
        ...base,
        prefix,
        window: { mode: 'last-modified', from: new Date(reference.getTime() - window.hours * 3_600_000).toISOString(), to: reference.toISOString() },
      };
    case 'yesterday': {
      const day = request.day ?? utcDay(reference.getTime() - DAY_MS);
      const partition = `${prefix}dt=${day}/`;
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: partition, MaxKeys: 1 }));
      if ((listed.KeyCount ?? listed.Contents?.length ?? 0) > 0) return { ...base, prefix: partition, window: { mode: 'partition', day } };
      const from = new Date(`${day}T00:00:00.000Z`);
      return { ...base, prefix, window: { mode: 'last-modified', from: from.toISOString(), to: new Date(from.getTime() + DAY_MS).toISOString() } };
    }
  }
}

/** Whether an object modified at `lastModified` is in the plan's window (unknown times are kept: scan rather than miss). */
export function inWindow(window: PlanWindow, lastModified: Date | undefined): boolean {
  switch (window.mode) {
    case 'all':
    case 'partition':
      return true;
    case 'last-modified':
      if (lastModified === undefined) return true;
      return lastModified.getTime() >= Date.parse(window.from) && lastModified.getTime() < Date.parse(window.to);
  }
}
