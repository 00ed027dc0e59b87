/**
 * One S3 object → its outputs. The single code path of the upload handler, the archive batch and the local pipeline:
 * refuse our own outputs, open the object (streamed), resume from a checkpoint if one exists, scan with the core, and
 * write findings, quarantine and — last — the ledger entry. Deterministic keys and bodies: a redelivery rewrites the same
 * objects with the same content.
 *
 * Outcomes: `complete`/`failed` (failed = permanently bad object; acknowledged, not retried), `interrupted` (deadline:
 * checkpoint written, the caller must make the delivery fail so it is retried), `skipped` (nothing to scan). Any thrown
 * error is transient (S3 I/O): the caller fails the delivery and it is redelivered.
 */
import type { ResumePoint, SourceReport } from '../core/scan.ts';
import { Scan } from '../core/scan.ts';
import type { SourceFailure } from '../core/source-failure.ts';
import { CHECKPOINT_SCHEMA, mergeResumed, parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { findingsFiles } from './findings-files.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import { recordObjectMetrics } from './lambda-telemetry.ts';
import { ledgerEntry, renderLedgerEntry, type LedgerEntry } from './ledger-entry.ts';
import { ObjectGoneError, openObject, type OpenedObject } from './object-body.ts';
import type { ObjectRef } from './object-events.ts';
import { deleteOutput, putOutput, readOutput } from './output-objects.ts';
import { outputKeys, outputRefusal, sourceId } from './output-keys.ts';
import { QuarantineLines } from './quarantine-lines.ts';

/** Why an object was not scanned. */
export type SkipReason = 'output-location' | 'folder-marker' | 'object-gone' | 'already-scanned' | 'outside-window' | 'no-time-left';

/** What happened to one object. */
export type ObjectOutcome =
  | {
      status: 'complete' | 'failed';
      bucket: string;
      key: string;
      sourceId: string;
      rows: number;
      ledgerKey: string;
      findingsKeys: string[];
      failure?: SourceFailure;
    }
  | { status: 'interrupted'; bucket: string; key: string; sourceId: string; ledgerKey: string; resume: ResumePoint }
  | { status: 'skipped'; bucket: string; key: string; reason: SkipReason; detail: string };

/** Per-call options. */
export interface ScanObjectOptions {
  /** Aborts at the next event boundary (the Lambda deadline); the outcome is then `interrupted`. */
  signal?: AbortSignal;
}

/** The ledger entry's user metadata: lets the archive scan check status with a HeadObject. */
export const LEDGER_STATUS_METADATA = 'status';

/** Scans one object and writes its outputs. */
export async function scanObject(runtime: FunctionRuntime, target: ObjectRef, options: ScanObjectOptions = {}): Promise<ObjectOutcome> {
  const { config, s3 } = runtime;
  const { logger } = runtime.telemetry;
  const { bucket, key } = target;
  const where = { bucket, key, ...(target.versionId ? { versionId: target.versionId } : {}) };

  const refusal = outputRefusal(bucket, key, config);
  if (refusal !== undefined) {
    logger.warn('refused: event for an output location (recursion guard)', { ...where, reason: refusal });
    return { status: 'skipped', bucket, key, reason: 'output-location', detail: refusal };
  }
  if (key.endsWith('/') && (target.size ?? 0) === 0) {
    logger.info('skipped: folder marker', where);
    return { status: 'skipped', bucket, key, reason: 'folder-marker', detail: 'zero-byte key ending in "/"' };
  }

  const started = runtime.now();
  let opened: OpenedObject;
  try {
    opened = await openObject(s3, {
      bucket,
      key,
      ...(target.versionId ? { versionId: target.versionId } : {}),
      partSize: config.s3ReadPartBytes,
      concurrency: config.s3ReadConcurrency,
      onReread: (offset, error) => logger.warn('connection broke mid-object; re-reading the rest', { ...where, offset, error: String(error) }),
    });
  } catch (error) {
    if (!(error instanceof ObjectGoneError)) throw error;
    logger.warn('skipped: object no longer exists', { ...where, error: error.message });
    return { status: 'skipped', bucket, key, reason: 'object-gone', detail: error.message };
  }

  try {
    return await scanOpened(runtime, target, opened, options, started);
  } finally {
    opened.close();
  }
}

/** Checkpoint → scan → outputs, for an opened object. */
async function scanOpened(
  runtime: FunctionRuntime,
  target: ObjectRef,
  opened: OpenedObject,
  options: ScanObjectOptions,
  started: Date,
): Promise<ObjectOutcome> {
  const { config, s3, detections, filters, telemetry } = runtime;
  const { logger } = telemetry;
  const { bucket, key } = target;
  const where = { bucket, key, ...(target.versionId ? { versionId: target.versionId } : {}) };
  const id = sourceId({ bucket, key, etag: opened.etag }, detections);
  const keys = outputKeys(config.outputPrefix, id);
  const storedCheckpoint = await readOutput(s3, config.findingsBucket, keys.checkpoint);
  const checkpoint = storedCheckpoint === undefined ? undefined : parseCheckpoint(storedCheckpoint, { sourceId: id, etag: opened.etag });
  if (checkpoint) logger.info('resuming from checkpoint', { ...where, sourceId: id, resume: checkpoint.resume });

  const quarantine = new QuarantineLines(config.quarantineMaxLines, checkpoint?.quarantine);
  const scan = new Scan(
    {
      detections,
      filters: filters.bySlug,
      userFormat: config.userFormat,
      maxEventBytes: config.maxEventBytes,
      maxObjectBytes: config.maxObjectBytes,
      maxDecompressionRatio: config.maxDecompressionRatio,
      decompressionRatioFloorBytes: config.decompressionRatioFloorBytes,
      jsonTimeZone: config.jsonTimeZone,
      evidenceCap: config.evidenceCap,
      onProblem: (problem) => quarantine.add(problem),
    },
    checkpoint?.state,
  );
  const source = { kind: 's3' as const, bucket, key, etag: opened.etag, ...(opened.versionId ? { versionId: opened.versionId } : {}) };
  const scanned = await scan.scanSource(source, opened.chunks, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(checkpoint ? { resume: checkpoint.resume } : {}),
  });
  const report: SourceReport = checkpoint ? mergeResumed(scanned, checkpoint) : scanned;
  const identity = { sourceId: id, bucket, key, versionId: opened.versionId, etag: opened.etag, size: opened.size ?? target.size };

  if (report.status === 'interrupted') {
    const resume: ResumePoint = report.resume ?? { streamsDone: 0, offset: 0 };
    const next: Checkpoint = {
      schema: CHECKPOINT_SCHEMA,
      source_id: id,
      etag: opened.etag,
      resume,
      state: scan.toState(),
      partial: { processEvents: report.processEvents, problems: report.problems },
      quarantine: quarantine.toState(),
      interruptions: (checkpoint?.interruptions ?? 0) + 1,
    };
    await putOutput(s3, { bucket: config.findingsBucket, key: keys.checkpoint, body: JSON.stringify(next), type: 'application/json' });
    const entry = ledgerEntry({ ...identity, report, files: [], quarantine: null, detections, filter: filters.fingerprint, started, ended: runtime.now() });
    await writeLedger(runtime, keys.ledger, entry);
    recordObjectMetrics(telemetry.metrics, report, 0);
    logger.warn('interrupted near the deadline; checkpoint written, delivery will be retried', { ...where, sourceId: id, resume });
    return { status: 'interrupted', bucket, key, sourceId: id, ledgerKey: keys.ledger, resume };
  }

  const files = findingsFiles(scan.findings(), detections, keys);
  for (const file of files) {
    await putOutput(s3, { bucket: config.findingsBucket, key: file.key, body: file.body, type: 'application/x-ndjson' });
  }
  let quarantineSummary = null;
  if (quarantine.size > 0 || quarantine.dropped > 0) {
    await putOutput(s3, { bucket: config.findingsBucket, key: keys.quarantine, body: quarantine.body(), type: 'application/x-ndjson' });
    quarantineSummary = { key: keys.quarantine, lines: quarantine.size, dropped: quarantine.dropped };
  }
  const entry = ledgerEntry({ ...identity, report, files, quarantine: quarantineSummary, detections, filter: filters.fingerprint, started, ended: runtime.now() });
  await writeLedger(runtime, keys.ledger, entry);
  if (storedCheckpoint !== undefined) await deleteOutput(s3, config.findingsBucket, keys.checkpoint);
  recordObjectMetrics(telemetry.metrics, report, entry.rows);

  const status = report.status === 'failed' ? 'failed' : 'complete';
  const { mode, requests, rereads } = opened.stats;
  const summary = { ...where, sourceId: id, status, rows: entry.rows, events: report.events, bytes: report.bytesIn, problems: entry.problems_total, s3Reads: { mode, requests, rereads } };
  if (status === 'failed') logger.warn('object failed permanently (not retried)', { ...summary, failure: report.failure });
  else logger.info('object scanned', summary);
  return {
    status,
    bucket,
    key,
    sourceId: id,
    rows: entry.rows,
    ledgerKey: keys.ledger,
    findingsKeys: files.map((f) => f.key),
    ...(report.failure ? { failure: report.failure } : {}),
  };
}

async function writeLedger(runtime: FunctionRuntime, key: string, entry: LedgerEntry): Promise<void> {
  await putOutput(runtime.s3, {
    bucket: runtime.config.findingsBucket,
    key,
    body: renderLedgerEntry(entry),
    type: 'application/json',
    metadata: { [LEDGER_STATUS_METADATA]: entry.status },
  });
}
