/**
 * Findings → one JSON-lines object per detection, partitioned Hive-style by detection and by the UTC day of the earliest
 * finding (`dt` = the day of the first event, not of the scan, so a replay lands in the same partition). An object whose
 * findings span days still writes one file, under the earliest day: Athena's `dt` pruning is "by first event day".
 */
import type { Finding } from '../core/finding.ts';
import type { Detection } from '../core/rules/detection.ts';
import { utcDay, type OutputKeys } from './output-keys.ts';

/** One findings object to write. */
export interface FindingsFile {
  slug: string;
  day: string;
  key: string;
  rows: number;
  /** JSON lines, one finding per line, each ending in `\n`, in the order the search produced them. */
  body: string;
}

/** Groups findings by detection (in the detections' order) and renders each group's file. No findings, no file. */
export function findingsFiles(findings: readonly Finding[], detections: readonly Detection[], keys: OutputKeys): FindingsFile[] {
  const files: FindingsFile[] = [];
  for (const detection of detections) {
    const rows = findings.filter((f) => f.detection.id === detection.id);
    if (rows.length === 0) continue;
    const firstMs = Math.min(...rows.map((f) => f.evidence.first_time_epoch * 1000));
    const day = utcDay(firstMs);
    files.push({
      slug: detection.slug,
      day,
      key: keys.findings(detection.slug, day),
      rows: rows.length,
      body: rows.map((row) => `${JSON.stringify(row)}\n`).join(''),
    });
  }
  return files;
}
