/** The scan's summary: totals over every source, as JSON (`--summary`) and as text for stderr. */
import type { LocatedProblem, SourceReport } from '../core/scan.ts';
import type { InputError } from './file-sources.ts';

/** Totals of one invocation. */
export interface ScanSummary {
  files: number;
  bytes: number;
  bytesDecoded: number;
  events: number;
  processEvents: number;
  /** Events ruled out by the raw-bytes prefilter without a full parse. */
  prefiltered: number;
  problems: Record<string, number>;
  rows: number;
  durationMs: number;
  /** Input bytes per second, in MB (10^6). */
  mbPerSecond: number;
  failed: Array<{ source: string; reason: string; message: string }>;
  unreadable: InputError[];
  /** The first problems found, with their locations (all of them are counted in `problems`). */
  problemSamples: LocatedProblem[];
  sources: SourceReport[];
}

/** Adds up the per-source reports. */
export function summarize(input: {
  reports: SourceReport[];
  rows: number;
  durationMs: number;
  unreadable: InputError[];
  problemSamples: LocatedProblem[];
}): ScanSummary {
  const problems: Record<string, number> = {};
  let bytes = 0;
  let bytesDecoded = 0;
  let events = 0;
  let processEvents = 0;
  let prefiltered = 0;
  for (const r of input.reports) {
    bytes += r.bytesIn;
    bytesDecoded += r.bytesDecoded;
    events += r.events;
    processEvents += r.processEvents;
    prefiltered += r.skipped;
    for (const [reason, count] of Object.entries(r.problems)) problems[reason] = (problems[reason] ?? 0) + (count ?? 0);
  }
  return {
    files: input.reports.length,
    bytes,
    bytesDecoded,
    events,
    processEvents,
    prefiltered,
    problems,
    rows: input.rows,
    durationMs: input.durationMs,
    mbPerSecond: input.durationMs > 0 ? bytes / 1e6 / (input.durationMs / 1000) : 0,
    failed: input.reports
      .filter((r) => r.status === 'failed' && r.failure !== undefined)
      .map((r) => ({ source: r.source, reason: r.failure?.reason ?? '', message: r.failure?.message ?? '' })),
    unreadable: input.unreadable,
    problemSamples: input.problemSamples,
    sources: input.reports,
  };
}

function where(p: LocatedProblem): string {
  const parts = [p.source];
  if (p.location.entry !== undefined) parts.push(`entry ${p.location.entry}`);
  if (p.location.line !== undefined) parts.push(`line ${p.location.line}`);
  if (p.location.record !== undefined) parts.push(`record ${p.location.record}`);
  parts.push(`byte ${p.location.offset}`);
  return parts.join(', ');
}

/** The summary as lines for a human. */
export function renderSummary(s: ScanSummary): string {
  const lines: string[] = [];
  const problemTotal = Object.values(s.problems).reduce((a, b) => a + b, 0);
  lines.push(
    `scanned ${s.files} file(s), ${(s.bytes / 1e6).toFixed(1)} MB (${(s.bytesDecoded / 1e6).toFixed(1)} MB decoded) in ` +
      `${(s.durationMs / 1000).toFixed(2)} s, ${s.mbPerSecond.toFixed(1)} MB/s`,
  );
  lines.push(`events ${s.events}, process events ${s.processEvents}, rows ${s.rows}, problems ${problemTotal}`);
  const reasons = Object.entries(s.problems).sort(([a], [b]) => a.localeCompare(b));
  if (reasons.length > 0) lines.push(`problems by reason: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  for (const p of s.problemSamples.slice(0, 10)) lines.push(`  ${p.reason} at ${where(p)}: ${p.message}`);
  if (problemTotal > 10) lines.push(`  … ${problemTotal - Math.min(10, s.problemSamples.length)} more (--summary <file> lists up to 100)`);
  for (const f of s.failed) lines.push(`failed: ${f.source}: ${f.reason}: ${f.message}`);
  for (const u of s.unreadable) lines.push(`cannot read ${u.path}: ${u.message}`);
  return `${lines.join('\n')}\n`;
}
