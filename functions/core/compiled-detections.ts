/**
 * A detection ready to run: its published search compiled once per process (and per by-list override), plus the running
 * tstats aggregation of one scan. Matching reads the ProcessEvent's CIM fields; rows render as Splunk renders them.
 */
import type { EvidenceEvent, FindingInput } from './finding.ts';
import type { ProcessEvent } from './normalize/process-event.ts';
import type { Detection } from './rules/detection.ts';
import { createAggregation, type Aggregation, type AggregationState } from './search/aggregate.ts';
import { compileSearch, type CompiledSearch } from './search/compile-search.ts';

/** What offering an event to a detection did. */
export type Verdict = 'match' | 'no-match' | 'no-time';

/** Options for one detection in one scan. */
export interface CompiledDetectionOptions {
  evidenceCap: number;
  byFieldsOverride?: readonly string[];
  state?: AggregationState;
}

/** A detection with its compiled search and this scan's aggregation. */
export interface CompiledDetection {
  detection: Detection;
  search: CompiledSearch;
  offer(event: ProcessEvent, source: string): Verdict;
  rows(): FindingInput[];
  toState(): AggregationState;
}

const compiled = new Map<string, CompiledSearch>();

/** The compiled search of a detection; compiled on first use and cached for the life of the process (the Lambda container). */
export function searchOf(detection: Detection, byFieldsOverride?: readonly string[]): CompiledSearch {
  const key = `${detection.id}@${detection.version}|${byFieldsOverride?.join(',') ?? ''}`;
  let search = compiled.get(key);
  if (search === undefined) {
    search = compileSearch(detection.search, byFieldsOverride ? { byFieldsOverride: [...byFieldsOverride] } : {});
    compiled.set(key, search);
  }
  return search;
}

/** Prepares a detection for one scan. */
export function compiledDetection(detection: Detection, options: CompiledDetectionOptions): CompiledDetection {
  const search = searchOf(detection, options.byFieldsOverride);
  const aggregation: Aggregation<EvidenceEvent> = createAggregation<EvidenceEvent>(search, {
    evidenceCap: options.evidenceCap,
    ...(options.state ? { state: options.state } : {}),
  });
  return {
    detection,
    search,
    offer(event, source) {
      const fields = event.fields as Record<string, string | undefined>;
      const get = (field: string): string | undefined => fields[field];
      if (!search.predicate(get)) return 'no-match';
      if (Number.isNaN(event.timeMs)) return 'no-time';
      aggregation.add(get, event.timeMs, {
        source,
        ...(event.location.entry === undefined ? {} : { entry: event.location.entry }),
        ...(event.location.line === undefined ? {} : { line: event.location.line }),
        ...(event.location.record === undefined ? {} : { record: event.location.record }),
        offset: event.location.offset,
        ...(event.eventRecordId === undefined ? {} : { EventRecordID: event.eventRecordId }),
        time: event.time,
      });
      return 'match';
    },
    rows() {
      return aggregation.rows().map((row) => ({
        columns: row.columns,
        byFields: search.byFields,
        evidence: row.evidence,
        count: row.count,
        firstTimeMs: row.firstTimeMs,
        lastTimeMs: row.lastTimeMs,
      }));
    },
    toState: () => aggregation.toState(),
  };
}
