/**
 * One Distributed Map batch of archived objects. Input, as the S3 ItemReader (ListObjectsV2) and ItemBatcher make it:
 * `{ Items: [{ Key, Size, Etag, LastModified, StorageClass }], BatchInput: { bucket, plan } }` — Etag quoted,
 * LastModified in epoch seconds. Per item: skip it when outside the plan's window, in a cold storage class, or already in
 * the ledger as complete for these detection versions (one HeadObject: the source-id includes the versions); otherwise
 * scan it with the same scanObject as the upload path. Returns one result per item. When an item hit a transient error,
 * was interrupted by the deadline or was not reached, it throws ArchiveBatchIncomplete after trying the rest: the state
 * machine retries the batch, finished items are then skipped by the ledger and interrupted ones resume from checkpoints.
 */
import type { Context } from 'aws-lambda';
import { inWindow, type ArchivePlan } from './archive-plan.ts';
import { deadlineSignal } from './deadline-signal.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import { unquoteEtag } from './object-events.ts';
import { headOutput } from './output-objects.ts';
import { outputKeys, sourceId } from './output-keys.ts';
import { LEDGER_STATUS_METADATA, scanObject, type SkipReason } from './scan-object.ts';

/** One ItemReader item (ListObjectsV2 `Contents` entry as Step Functions renders it). */
export interface MapItem {
  Key: string;
  Size?: number;
  Etag?: string;
  /** Epoch seconds (Step Functions) or an ISO string (accepted too). */
  LastModified?: number | string;
  StorageClass?: string;
}

/** The scan-batch event. */
export interface ArchiveBatchEvent {
  Items: MapItem[];
  BatchInput: { bucket?: string; plan: ArchivePlan };
}

/** What happened to one item. */
export interface ArchiveItemResult {
  key: string;
  status: 'complete' | 'failed' | 'skipped' | 'interrupted' | 'error';
  sourceId?: string;
  rows?: number;
  /** Skip reason, failure reason or error message. */
  reason?: SkipReason | 'cold-storage' | string;
}

/** The batch's answer (kept by the Map's ResultWriter). */
export interface ArchiveBatchResult {
  bucket: string;
  results: ArchiveItemResult[];
  counts: Partial<Record<ArchiveItemResult['status'], number>>;
}

/** A batch payload that is not the documented shape. */
export class ArchiveBatchShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveBatchShapeError';
  }
}

/** Some items must be retried; `name` is the error type Step Functions sees. */
export class ArchiveBatchIncompleteError extends Error {
  readonly result: ArchiveBatchResult;
  constructor(result: ArchiveBatchResult) {
    const open = result.results.filter((r) => r.status === 'interrupted' || r.status === 'error');
    super(`${open.length} of ${result.results.length} item(s) must be retried: ${open.map((r) => `${r.key} (${r.reason ?? r.status})`).join('; ')}`);
    this.name = 'ArchiveBatchIncomplete';
    this.result = result;
  }
}

/** Storage classes GetObject cannot read without a restore. */
const COLD_STORAGE = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** Objects scanned at once: overlaps S3 latency for small objects; each scan's memory is bounded. */
const CONCURRENCY = 4;

/** Validates the event's shape. */
export function parseArchiveBatch(event: unknown): ArchiveBatchEvent {
  if (typeof event !== 'object' || event === null) throw new ArchiveBatchShapeError('expected { Items, BatchInput }');
  const { Items, BatchInput } = event as Partial<ArchiveBatchEvent>;
  if (!Array.isArray(Items)) throw new ArchiveBatchShapeError('Items: expected an array');
  Items.forEach((item, index) => {
    if (typeof item?.Key !== 'string' || item.Key === '') throw new ArchiveBatchShapeError(`Items[${index}].Key: expected a non-empty string`);
  });
  if (typeof BatchInput !== 'object' || BatchInput === null || typeof BatchInput.plan !== 'object' || BatchInput.plan === null) {
    throw new ArchiveBatchShapeError('BatchInput.plan: expected the plan step output');
  }
  if (typeof (BatchInput.bucket ?? BatchInput.plan.bucket) !== 'string') throw new ArchiveBatchShapeError('BatchInput.bucket: expected a string');
  return { Items, BatchInput };
}

function lastModifiedOf(item: MapItem): Date | undefined {
  if (typeof item.LastModified === 'number') return new Date(item.LastModified < 1e11 ? item.LastModified * 1000 : item.LastModified);
  if (typeof item.LastModified === 'string' && !Number.isNaN(Date.parse(item.LastModified))) return new Date(item.LastModified);
  return undefined;
}

async function scanItem(runtime: FunctionRuntime, bucket: string, plan: ArchivePlan, item: MapItem, signal: AbortSignal): Promise<ArchiveItemResult> {
  const key = item.Key;
  if (!inWindow(plan.window, lastModifiedOf(item))) return { key, status: 'skipped', reason: 'outside-window' };
  if (item.StorageClass !== undefined && COLD_STORAGE.has(item.StorageClass)) return { key, status: 'skipped', reason: 'cold-storage' };
  const etag = item.Etag === undefined ? undefined : unquoteEtag(item.Etag);
  if (etag !== undefined) {
    const id = sourceId({ bucket, key, etag }, runtime.detections);
    const ledger = await headOutput(runtime.s3, runtime.config.findingsBucket, outputKeys(runtime.config.outputPrefix, id).ledger);
    if (ledger?.[LEDGER_STATUS_METADATA] === 'complete') return { key, status: 'skipped', sourceId: id, reason: 'already-scanned' };
  }
  if (signal.aborted) return { key, status: 'interrupted', reason: 'no-time-left' };
  const outcome = await scanObject(runtime, { bucket, key, ...(etag ? { etag } : {}), ...(item.Size === undefined ? {} : { size: item.Size }) }, { signal });
  switch (outcome.status) {
    case 'complete':
      return { key, status: 'complete', sourceId: outcome.sourceId, rows: outcome.rows };
    case 'failed':
      return { key, status: 'failed', sourceId: outcome.sourceId, rows: outcome.rows, ...(outcome.failure ? { reason: outcome.failure.reason } : {}) };
    case 'interrupted':
      return { key, status: 'interrupted', sourceId: outcome.sourceId, reason: `interrupted at byte ${outcome.resume.offset}` };
    case 'skipped':
      return { key, status: 'skipped', reason: outcome.reason };
  }
}

/** Scans one batch; throws ArchiveBatchIncompleteError (after trying every item) when some must be retried. */
export async function scanArchiveBatch(runtime: FunctionRuntime, event: unknown, context: Context): Promise<ArchiveBatchResult> {
  const { logger, metrics } = runtime.telemetry;
  logger.addContext(context);
  const deadline = deadlineSignal(context, runtime.config.deadlineReserveMs);
  try {
    const { Items, BatchInput } = parseArchiveBatch(event);
    const bucket = BatchInput.bucket ?? BatchInput.plan.bucket;
    const results: ArchiveItemResult[] = new Array<ArchiveItemResult>(Items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < Items.length) {
        const index = next++;
        const item = Items[index] as MapItem;
        try {
          results[index] = await scanItem(runtime, bucket, BatchInput.plan, item, deadline.signal);
        } catch (error) {
          logger.error('transient error; the batch will be retried', { bucket, key: item.Key, error: error as Error });
          results[index] = { key: item.Key, status: 'error', reason: (error as Error).message };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, Items.length) }, worker));
    const counts: ArchiveBatchResult['counts'] = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const result: ArchiveBatchResult = { bucket, results, counts };
    logger.info('archive batch done', { bucket, items: Items.length, counts });
    if ((counts.error ?? 0) + (counts.interrupted ?? 0) > 0) throw new ArchiveBatchIncompleteError(result);
    return result;
  } finally {
    deadline.dispose();
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
