/**
 * Result rows → findings: Splunk's output columns at top level, exactly as the search renders them, plus a deterministic id,
 * the detection's metadata, the filled-in risk message and the evidence that produced the row.
 */
import { createHash } from 'node:crypto';
import type { Detection, MitreTechnique } from './rules/detection.ts';

/** Where one contributing event was read. */
export interface EvidenceEvent {
  /** File path or `s3://bucket/key`. */
  source: string;
  /** Zip member, when the event came from an archive. */
  entry?: string;
  line?: number;
  record?: number;
  offset: number;
  EventRecordID?: string;
  /** TimeCreated/@SystemTime exactly as logged. */
  time: string;
}

/** The rendered row a search produced (by-fields as strings, count, firstTime, lastTime). */
export type RowColumns = Record<string, string | number>;

/** One finding: Splunk's columns first, then our metadata. */
export interface Finding {
  [column: string]: unknown;
  id: string;
  detection: {
    id: string;
    name: string;
    version: number;
    type: string;
    mitre: readonly MitreTechnique[];
    analytic_story: readonly string[];
  };
  risk: {
    score: number;
    impact: number;
    confidence: number;
    message: string;
    risk_objects: Array<{ field: string; type: string; value: string }>;
    threat_objects: Array<{ field: string; type: string; value: string }>;
  };
  evidence: {
    /** How many events the row aggregates (= count). */
    events: number;
    /** True when more events contributed than are listed. */
    truncated: boolean;
    /** `_time` of the first and last event as epoch seconds with their fraction (firstTime/lastTime are truncated). */
    first_time_epoch: number;
    last_time_epoch: number;
    items: EvidenceEvent[];
  };
}

/** `$field$` → the row's value (ESCU's message template). An unknown field stays as written. */
export function fillMessage(template: string, row: RowColumns): string {
  return template.replace(/\$(\w+)\$/g, (whole, field: string) => {
    const value = row[field];
    return value === undefined ? whole : String(value);
  });
}

/**
 * A finding's id: sha256 over the detection id, its version and the row's by-field values. The same Splunk row gets the same id
 * wherever and however often it is found, so re-processing rewrites rather than duplicates, and rows compare across outputs.
 */
export function findingId(detection: Pick<Detection, 'id' | 'version'>, byFields: readonly string[], row: RowColumns): string {
  const tuple = byFields.map((field) => String(row[field] ?? 'null'));
  return createHash('sha256')
    .update(JSON.stringify([detection.id, detection.version, tuple]))
    .digest('hex')
    .slice(0, 32);
}

/** Input of makeFinding: the row's rendered columns and what the aggregation kept about it. */
export interface FindingInput {
  columns: RowColumns;
  byFields: readonly string[];
  evidence: readonly EvidenceEvent[];
  count: number;
  firstTimeMs: number;
  lastTimeMs: number;
}

/** Builds the finding for one result row. Column order is Splunk's: by-fields, count, firstTime, lastTime. */
export function makeFinding(detection: Detection, input: FindingInput): Finding {
  const { columns } = input;
  const valueOf = (field: string): string => String(columns[field] ?? 'null');
  const finding: Finding = {
    ...columns,
    id: findingId(detection, input.byFields, columns),
    detection: {
      id: detection.id,
      name: detection.name,
      version: detection.version,
      type: detection.type,
      mitre: detection.mitre,
      analytic_story: detection.analyticStory,
    },
    risk: {
      score: detection.risk.score,
      impact: detection.risk.impact,
      confidence: detection.risk.confidence,
      message: fillMessage(detection.risk.message, columns),
      risk_objects: detection.risk.riskObjects.map((o) => ({ ...o, value: valueOf(o.field) })),
      threat_objects: detection.risk.threatObjects.map((o) => ({ ...o, value: valueOf(o.field) })),
    },
    evidence: {
      events: input.count,
      truncated: input.evidence.length < input.count,
      first_time_epoch: input.firstTimeMs / 1000,
      last_time_epoch: input.lastTimeMs / 1000,
      items: [...input.evidence],
    },
  };
  return finding;
}
