/**
 * Checkpoints of interrupted scans (`checkpoints/<source-id>.json`): the aggregation state, where to resume, the partial
 * counts and the quarantine lines so far. Written when the deadline nears; read by the next delivery of the same
 * object, which resumes instead of starting over; deleted once the object's outputs are written.
 */
import type { ResumePoint, ScanState, SourceReport } from '../core/scan.ts';
import type { QuarantineState } from './quarantine-lines.ts';

/** Schema tag of the checkpoints this code writes; others are ignored (the object is scanned from the start). */
export const CHECKPOINT_SCHEMA = 'sysmon-s3-detect/checkpoint/1';

/** One stored checkpoint. */
export interface Checkpoint {
  schema: typeof CHECKPOINT_SCHEMA;
  source_id: string;
  etag: string;
  resume: ResumePoint;
  state: ScanState;
  /** Counts of the part already scanned that a resumed scan does not see again. */
  partial: { processEvents: number; problems: SourceReport['problems'] };
  quarantine: QuarantineState;
  /** How many interruptions so far (for the log). */
  interruptions: number;
}

/** Parses a stored checkpoint; undefined when it is not one this code wrote for this source and ETag. */
export function parseCheckpoint(text: string, expected: { sourceId: string; etag: string }): Checkpoint | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const candidate = parsed as Partial<Checkpoint>;
  if (candidate.schema !== CHECKPOINT_SCHEMA) return undefined;
  if (candidate.source_id !== expected.sourceId || candidate.etag !== expected.etag) return undefined;
  if (typeof candidate.resume?.offset !== 'number' || typeof candidate.state !== 'object' || candidate.partial === undefined) return undefined;
  return candidate as Checkpoint;
}

/** Merges the counts of a resumed scan with those of the parts before it. */
export function mergeResumed(report: SourceReport, checkpoint: Checkpoint): SourceReport {
  const problems: SourceReport['problems'] = { ...checkpoint.partial.problems };
  for (const [reason, count] of Object.entries(report.problems) as Array<[keyof SourceReport['problems'], number]>) {
    problems[reason] = (problems[reason] ?? 0) + count;
  }
  // Bytes, events and prefilter counts are the resumed scan's own: it re-reads the object from its first byte.
  return { ...report, processEvents: report.processEvents + checkpoint.partial.processEvents, problems };
}
