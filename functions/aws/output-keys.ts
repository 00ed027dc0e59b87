/**
 * Where outputs go, derived from what was scanned so that scanning the same bytes again rewrites the same keys.
 *
 * source-id = sha256 over (bucket, key, ETag, every detection's id and version), 32 hex characters. The ETag (not the
 * version id) is the content identity because all three entry points carry it (S3 notification, EventBridge, the
 * Distributed Map's ListObjectsV2 items) and because a re-upload of the same bytes, which gets a new version id, must
 * double nothing. The version id read is still recorded in the ledger.
 */
import { createHash } from 'node:crypto';
import type { Detection } from '../core/rules/detection.ts';
import { OUTPUT_FOLDERS } from './env-names.ts';

/** What identifies one scanned object's outputs. */
export interface SourceIdentity {
  bucket: string;
  key: string;
  /** Unquoted ETag. */
  etag: string;
}

/** The detection fields the source-id depends on. */
export type DetectionVersion = Pick<Detection, 'id' | 'version'>;

/** The content-derived id of one object scanned by one set of detection versions. */
export function sourceId(source: SourceIdentity, detections: readonly DetectionVersion[]): string {
  const versions = detections.map((d) => [d.id, d.version] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify(['sysmon-s3-detect/source/1', source.bucket, source.key, source.etag, versions]))
    .digest('hex')
    .slice(0, 32);
}

/** `YYYY-MM-DD` (UTC) of an epoch-milliseconds instant. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** The output keys of one source, under the configured prefix. */
export interface OutputKeys {
  /** `<prefix>findings/detection=<slug>/dt=<YYYY-MM-DD>/<source-id>.jsonl` */
  findings(slug: string, day: string): string;
  ledger: string;
  quarantine: string;
  checkpoint: string;
}

/** Keys for one source-id. */
export function outputKeys(outputPrefix: string, id: string): OutputKeys {
  return {
    findings: (slug, day) => `${outputPrefix}findings/detection=${slug}/dt=${day}/${id}.jsonl`,
    ledger: `${outputPrefix}ledger/${id}.json`,
    quarantine: `${outputPrefix}quarantine/${id}.jsonl`,
    checkpoint: `${outputPrefix}checkpoints/${id}.json`,
  };
}

/** Where outputs live, for the recursion guard. */
export interface OutputLocation {
  findingsBucket: string;
  logsBucket: string | undefined;
  outputPrefix: string;
}

/**
 * Why an object must not be scanned because it is (or may be) our own output, or undefined when it may be scanned.
 * The whole findings bucket is refused, unless logs and findings share one bucket: then only the output folders are.
 */
export function outputRefusal(bucket: string, key: string, where: OutputLocation): string | undefined {
  const underOutputFolder = OUTPUT_FOLDERS.some((folder) => key.startsWith(`${where.outputPrefix}${folder}`));
  if (bucket !== where.findingsBucket) return undefined;
  if (where.logsBucket !== where.findingsBucket) return `s3://${bucket} is the findings bucket`;
  if (underOutputFolder) return `s3://${bucket}/${key} is under an output folder of ${where.outputPrefix || 'the bucket root'}`;
  return undefined;
}
