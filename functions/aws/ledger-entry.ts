/**
 * The ledger: exactly one entry per scanned object (`ledger/<source-id>.json`), written even when there are no findings,
 * last of an object's outputs (so an entry means the findings and quarantine beside it are in place). Everything in
 * it is a function of the object's bytes, the detection versions and the filter, except started/ended/duration_ms.
 */
import type { Detection } from '../core/rules/detection.ts';
import type { ResumePoint, SourceReport } from '../core/scan.ts';
import type { SourceFailure } from '../core/source-failure.ts';
import type { FindingsFile } from './findings-files.ts';
import type { QuarantineSummary } from './quarantine-lines.ts';
import type { RowFilters } from './row-filters.ts';

/** How an object's scan ended. */
export type LedgerStatus = 'complete' | 'failed' | 'interrupted';

/** Schema tag of the entries this code writes. */
export const LEDGER_SCHEMA = 'sysmon-s3-detect/ledger/1';

/** One ledger entry, as written (snake_case, for Athena). */
export interface LedgerEntry {
  schema: typeof LEDGER_SCHEMA;
  source_id: string;
  bucket: string;
  key: string;
  version_id: string | null;
  etag: string;
  size: number | null;
  status: LedgerStatus;
  /** Why a failed object failed (permanent: not retried). */
  failure: SourceFailure | null;
  /** Where an interrupted scan resumes (decoded byte offset), stored with its checkpoint. */
  resume: ResumePoint | null;
  /** `xml`, `jsonl`, `evtx`, `unknown`, `mixed` (zip members differ) or `empty`. */
  format: string;
  /** `none`, `gzip`, `zstd`, `zip`, … or `mixed`/`empty`. */
  compression: string;
  streams: SourceReport['streams'];
  bytes_read: number;
  bytes_decoded: number;
  events: number;
  process_events: number;
  /** Events the raw-bytes prefilter ruled out without parsing (they cannot match). */
  prefiltered: number;
  problems: SourceReport['problems'];
  problems_total: number;
  rows: number;
  findings: Array<{ detection: string; key: string; rows: number }>;
  quarantine: QuarantineSummary | null;
  detections: Array<{ id: string; slug: string; version: number }>;
  filter: RowFilters['fingerprint'];
  started: string;
  ended: string;
  duration_ms: number;
}

/** What the ledger entry is built from. */
export interface LedgerInput {
  sourceId: string;
  bucket: string;
  key: string;
  versionId: string | undefined;
  etag: string;
  size: number | undefined;
  report: SourceReport;
  files: readonly FindingsFile[];
  quarantine: QuarantineSummary | null;
  detections: readonly Detection[];
  filter: RowFilters['fingerprint'];
  started: Date;
  ended: Date;
}

function summarize(values: readonly string[]): string {
  if (values.length === 0) return 'empty';
  const first = values[0] as string;
  return values.every((v) => v === first) ? first : 'mixed';
}

/** Builds the entry with a fixed key order. */
export function ledgerEntry(input: LedgerInput): LedgerEntry {
  const { report } = input;
  const problemsTotal = Object.values(report.problems).reduce((sum, n) => sum + (n ?? 0), 0);
  return {
    schema: LEDGER_SCHEMA,
    source_id: input.sourceId,
    bucket: input.bucket,
    key: input.key,
    version_id: input.versionId ?? null,
    etag: input.etag,
    size: input.size ?? null,
    status: report.status,
    failure: report.failure ?? null,
    resume: report.status === 'interrupted' ? (report.resume ?? null) : null,
    format: summarize(report.streams.map((s) => s.format)),
    compression: summarize(report.streams.map((s) => s.compression)),
    streams: report.streams,
    bytes_read: report.bytesIn,
    bytes_decoded: report.bytesDecoded,
    events: report.events,
    process_events: report.processEvents,
    prefiltered: report.skipped,
    problems: sortedProblems(report.problems),
    problems_total: problemsTotal,
    rows: input.files.reduce((sum, f) => sum + f.rows, 0),
    findings: input.files.map((f) => ({ detection: f.slug, key: f.key, rows: f.rows })),
    quarantine: input.quarantine,
    detections: input.detections.map((d) => ({ id: d.id, slug: d.slug, version: d.version })),
    filter: input.filter,
    started: input.started.toISOString(),
    ended: input.ended.toISOString(),
    duration_ms: input.ended.getTime() - input.started.getTime(),
  };
}

function sortedProblems(problems: SourceReport['problems']): SourceReport['problems'] {
  return Object.fromEntries(Object.entries(problems).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The entry as stored: pretty-printed JSON (entries are small and read by people). */
export function renderLedgerEntry(entry: LedgerEntry): string {
  return `${JSON.stringify(entry, null, 2)}\n`;
}
