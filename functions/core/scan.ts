/**
 * The pipeline, composed: bytes → events (read/) → process events (normalize/) → compiled searches (search/) → aggregated rows
 * → filter macro → findings. One Scan is one Splunk search: every source added to it feeds the same aggregation, as one search
 * over an index would. Pure: the caller brings the bytes (a file stream, an S3 body) and takes the values.
 */
import { CandidateFilter } from './candidate-filter.ts';
import { makeFinding, type Finding } from './finding.ts';
import { PROCESS_EVENT_IDS, processEventKind, toProcessEvent, type UserFormat } from './normalize/process-event.ts';
import { openEventBatches, type ReaderStats } from './read/open-events.ts';
import type { JsonTimeZone } from './read/json-time-zone.ts';
import type { ByteChunks, ChunkRecycler, Location, Problem, ProblemReason, RawEvent, RawPrefilter, RawRecordView, SystemPrefilter, XmlTriageRules } from './read/raw-event.ts';
import { DETECTIONS } from './rules/index.ts';
import type { Detection } from './rules/detection.ts';
import { compiledDetection, type CompiledDetection } from './compiled-detections.ts';
import type { RowFilter } from './search/search-filter.ts';
import { classifyFailure, failureOfProblem, type SourceFailure } from './source-failure.ts';
import { SourceProgress, type ResumePoint } from './source-progress.ts';

export type { ResumePoint } from './source-progress.ts';
import type { AggregationState } from './search/aggregate.ts';

/** Where the bytes of a source came from. */
export type SourceRef =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string; versionId?: string; etag?: string };

/** How a source is named in evidence and messages: the path, or `s3://bucket/key`. */
export function sourceName(source: SourceRef): string {
  switch (source.kind) {
    case 'file':
      return source.path;
    case 's3':
      return `s3://${source.bucket}/${source.key}`;
  }
}

/** A problem and the source it was found in. */
export interface LocatedProblem extends Problem {
  source: string;
}

/** Options of a scan, defaults as published. */
export interface ScanOptions {
  detections?: readonly Detection[];
  /** The `<detection>_filter` macro bodies, by detection slug. Absent = empty macro (pass everything). */
  filters?: Readonly<Record<string, RowFilter>>;
  userFormat?: UserFormat;
  maxEventBytes?: number;
  /** Largest object after decompression, over all its streams (default unlimited); bigger fails it as 'too-large'. */
  maxObjectBytes?: number;
  /** The decompression-bomb guard: most decoded bytes per compressed byte (default 4000); beyond it 'too-large'. */
  maxDecompressionRatio?: number;
  /** Decoded bytes of an object before the ratio is checked (default 64 MiB). */
  decompressionRatioFloorBytes?: number;
  /** Zone of JSON timestamps written without one (NXLog's EventTime); default UTC. Zoned timestamps keep their zone. */
  jsonTimeZone?: JsonTimeZone;
  evidenceCap?: number;
  /** Skip fully parsing events that cannot match (default true; proven equal by a differential test). */
  prefilter?: boolean;
  /** Replace every detection's by-list (e.g. ESCU's 20 standard process fields). */
  byFieldsOverride?: readonly string[];
  /** Receives every parsed event (`--emit events`); turns the prefilter off. A returned promise is awaited (backpressure). */
  onEvent?: (event: RawEvent, source: SourceRef) => void | Promise<void>;
  /** Receives every problem as it is found (quarantine). */
  onProblem?: (problem: LocatedProblem) => void;
}

/** What scanning one source did. */
export interface SourceReport {
  source: string;
  /** Detected packaging and format of each stream (one for plain objects, one per zip member). */
  streams: Array<{ entry?: string; compression: string; format: string }>;
  bytesIn: number;
  bytesDecoded: number;
  events: number;
  processEvents: number;
  /** Events the raw-bytes prefilter ruled out without parsing. */
  skipped: number;
  problems: Partial<Record<ProblemReason, number>>;
  status: 'complete' | 'failed' | 'interrupted';
  failure?: SourceFailure;
  /** When interrupted: where to resume (decoded byte offset of the first event not yet processed, per zip member). */
  resume?: ResumePoint;
  durationMs: number;
}

/** Options of one source. */
export interface SourceScanOptions {
  /** Stops the scan at the next event boundary; the report then says where to resume. */
  signal?: AbortSignal;
  resume?: ResumePoint;
  /** Takes back the source's chunks once read (openEventBatches' recycler). */
  recycler?: ChunkRecycler;
}

/** Serializable state of a scan, for checkpoints. */
export interface ScanState {
  aggregations: Record<string, AggregationState>;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/** One search over any number of sources. */
export class Scan {
  readonly #detections: CompiledDetection[];
  readonly #options: ScanOptions;
  readonly #usePrefilter: boolean;

  constructor(options: ScanOptions = {}, state?: ScanState) {
    this.#options = options;
    const evidenceCap = options.evidenceCap ?? 20;
    this.#detections = (options.detections ?? DETECTIONS).map((detection) =>
      compiledDetection(detection, {
        evidenceCap,
        ...(options.byFieldsOverride ? { byFieldsOverride: options.byFieldsOverride } : {}),
        ...(state?.aggregations[detection.id] ? { state: state.aggregations[detection.id] } : {}),
      }),
    );
    this.#usePrefilter = (options.prefilter ?? true) && options.onEvent === undefined;
  }

  /** Reads one source to its end (or the signal) and feeds its events to every detection. */
  async scanSource(source: SourceRef, chunks: ByteChunks, options: SourceScanOptions = {}): Promise<SourceReport> {
    const started = Date.now();
    const name = sourceName(source);
    const stats: ReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
    const report: SourceReport = {
      source: name,
      streams: [],
      bytesIn: 0,
      bytesDecoded: 0,
      events: 0,
      processEvents: 0,
      skipped: 0,
      problems: {},
      status: 'complete',
      durationMs: 0,
    };
    const progress = new SourceProgress(options.resume);
    const triage = this.#usePrefilter ? CandidateFilter.build(this.#detections.map((d) => d.search.requiredLiterals)) : undefined;
    // Before a resume point the triage runs as in the interrupted run (so `skipped` comes out the same); parsed events
    // there are dropped in the loop below.
    const prefilter: RawPrefilter | undefined =
      triage === undefined
        ? undefined
        : Object.assign(
            (view: Readonly<RawRecordView>) => {
              const verdict = triage.classify(view);
              if (verdict === 'process') progress.processSkipped(view.offset);
              return verdict === 'candidate';
            },
            // An 'other' verdict has no side effect here, so the reader may count those events itself; and those the triage
            // rules settle, as long as it reports the 'process' ones.
            {
              onlyEventIds: PROCESS_EVENT_IDS,
              ...withTriage(triage.xmlTriageRules(), (offset) => progress.processSkipped(offset)),
            },
          );
    const counted = countBytes(chunks, (n) => (report.bytesIn += n));
    let lastOffset = 0;
    /** The first loss of data (see source-failure.ts); the source ends failed unless it is interrupted first. */
    let failure: SourceFailure | undefined;
    const problem = (p: Problem): void => {
      report.problems[p.reason] = (report.problems[p.reason] ?? 0) + 1;
      this.#options.onProblem?.({ ...p, source: name });
    };
    try {
      batches: for await (const batch of openEventBatches(counted, {
        maxEventBytes: this.#options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
        ...(this.#options.maxObjectBytes === undefined ? {} : { maxObjectBytes: this.#options.maxObjectBytes }),
        ...(this.#options.maxDecompressionRatio === undefined ? {} : { maxDecompressionRatio: this.#options.maxDecompressionRatio }),
        ...(this.#options.decompressionRatioFloorBytes === undefined ? {} : { decompressionRatioFloorBytes: this.#options.decompressionRatioFloorBytes }),
        ...(this.#options.jsonTimeZone === undefined ? {} : { jsonTimeZone: this.#options.jsonTimeZone }),
        ...(prefilter ? { prefilter } : {}),
        ...(this.#usePrefilter ? { systemPrefilter: mayBeProcessEvent } : {}),
        ...(options.recycler ? { recycler: options.recycler } : {}),
        stats,
        onStream: (stream) => {
          progress.streamStarted();
          report.streams.push(stream);
        },
      })) {
        // EVTX hands over a chunk at a time: one asynchronous step per chunk, not per record.
        for (const item of batch) {
          const location: Location = item.ok ? item.event.location : item.problem.location;
          // Before the resume check: a resumed run must end failed too, though the problem was counted by the first run.
          if (!item.ok) failure ??= failureOfProblem(item.problem);
          if (progress.beforeResume(location.offset)) continue;
          if (options.signal?.aborted) {
            report.status = 'interrupted';
            report.resume = progress.interruptAt(location);
            break batches;
          }
          lastOffset = location.offset;
          progress.passed(location.offset);
          if (!item.ok) {
            problem(item.problem);
            continue;
          }
          const emitted = this.#options.onEvent?.(item.event, source);
          if (emitted !== undefined) await emitted;
          if (this.#offer(item.event, name, problem)) report.processEvents += 1;
        }
      }
    } catch (error) {
      const thrown = classifyFailure(error);
      if (thrown === undefined) throw error;
      // A damaged member read before keeps its place as the first loss; the thrown one is still reported.
      failure ??= thrown;
      problem({
        reason: thrown.reason,
        message: thrown.message,
        location: { offset: thrown.offset ?? lastOffset, ...(thrown.entry === undefined ? {} : { entry: thrown.entry }) },
      });
    }
    // Whatever was read before the loss still counts (its events, rows and problems); the status says data was lost.
    if (failure !== undefined && report.status !== 'interrupted') {
      report.status = 'failed';
      report.failure = failure;
    }
    report.bytesDecoded = stats.bytes;
    report.events = stats.events;
    report.skipped = stats.skipped;
    report.processEvents += progress.finish();
    report.durationMs = Date.now() - started;
    return report;
  }

  /** Normalizes a parsed event and offers it to every detection; true when it is a process-creation event. */
  #offer(event: RawEvent, source: string, problem: (p: Problem) => void): boolean {
    const processEvent = toProcessEvent(event, { userFormat: this.#options.userFormat ?? 'strip-domain' });
    if (processEvent === undefined) return false;
    for (const detection of this.#detections) {
      if (detection.offer(processEvent, source) === 'no-time') {
        problem({
          reason: 'malformed-event',
          message: `matching event has no parseable TimeCreated/@SystemTime (${JSON.stringify(processEvent.time)})`,
          location: processEvent.location,
        });
      }
    }
    return true;
  }

  /** The findings so far, per detection in order, rows sorted as Splunk sorts them, after each detection's filter macro. */
  findings(): Finding[] {
    const findings: Finding[] = [];
    for (const detection of this.#detections) {
      const filter = this.#options.filters?.[detection.detection.slug];
      for (const row of detection.rows()) {
        if (filter && !filter.test(row.columns)) continue;
        findings.push(makeFinding(detection.detection, row));
      }
    }
    return findings;
  }

  /** Serializable aggregation state, to resume this search in another process. */
  toState(): ScanState {
    const aggregations: Record<string, AggregationState> = {};
    for (const detection of this.#detections) aggregations[detection.detection.id] = detection.toState();
    return { aggregations };
  }
}

/** RawPrefilter's xmlTriage for these rules (none without them). */
function withTriage(rules: XmlTriageRules | undefined, processSkipped: (offset: number) => void): { xmlTriage?: XmlTriageRules & { processSkipped(offset: number): void } } {
  return rules === undefined ? {} : { xmlTriage: { ...rules, processSkipped } };
}

/** EVTX: only a record processEventKind accepts can reach a detection; the reader renders no other (process ones are all rendered). */
const mayBeProcessEvent: SystemPrefilter = (system) => processEventKind({ location: { offset: 0 }, system, data: {} }) !== undefined;

async function* countBytes(chunks: ByteChunks, add: (n: number) => void): ByteChunks {
  for await (const chunk of chunks) {
    add(chunk.byteLength);
    yield chunk;
  }
}
