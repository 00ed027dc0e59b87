/**
 * What a benchmark corpus holds, counted as it is written: events, process-creation events, true positives, decoys by
 * kind, and the exact rows the rule must return. The rows are computed from the planted values with the CIM mapping of
 * docs/rule-semantics.md §4 (names are the text after the last backslash, `user` with its domain stripped — the Scan's
 * default userFormat), grouped on the rule's eight by-fields as tstats does (§3.7): one row per distinct tuple, `count`
 * events, firstTime/lastTime the earliest/latest TimeCreated floored to the second, in UTC.
 */
import { DECOY_KINDS, type CorpusEvent, type DecoyKind } from './bench-corpus-shapes.ts';

/** The output formats of the corpus. */
export type CorpusFormat = 'xml' | 'jsonl' | 'evtx';

/** The by-fields of "Windows IIS Components Add New Module", in its `by` order. */
export const RULE_BY_FIELDS = [
  'dest',
  'user',
  'parent_process_name',
  'process_name',
  'original_file_name',
  'process',
  'process_id',
  'parent_process_id',
] as const;

/** One expected result row: the by-fields, then count, firstTime, lastTime (the search's output columns). */
export type ExpectedRow = Record<(typeof RULE_BY_FIELDS)[number], string> & { count: number; firstTime: string; lastTime: string };

/** The corpus's answer key. */
export interface CorpusTruth {
  format: CorpusFormat;
  seed: number;
  /** Bytes of the output file. */
  bytes: number;
  /** Records written (XML/JSON lines: one per line; EVTX: records in the file). */
  events: number;
  /** Sysmon EID 1 and Security 4688 events: what the scan counts as process events. */
  processEvents: number;
  /** Planted true-positive events (the sum of the rows' counts). */
  truePositives: number;
  /** Decoy events, all kinds. */
  decoys: number;
  decoysByKind: Record<DecoyKind, number>;
  /** Events per shape (`sysmon-1`, …, `security-4688`). */
  eventsByShape: Record<string, number>;
  /** The rows the rule must return, sorted by the by-fields. */
  rows: ExpectedRow[];
  /** Computer and EventRecordID of every true-positive event, in log order. */
  truePositiveRecords: Array<{ computer: string; eventRecordId: number }>;
}

/** The text after the last backslash: the TA's basename for every path the corpus plants. */
function basename(path: string): string {
  return path.slice(path.lastIndexOf('\\') + 1);
}

function floorSecond(timeMs: number): string {
  return new Date(Math.floor(timeMs / 1000) * 1000).toISOString().slice(0, 19);
}

/** Counts events into a CorpusTruth as they are written. */
export class TruthRecorder {
  readonly #truth: CorpusTruth;
  readonly #groups = new Map<string, { row: ExpectedRow; firstMs: number; lastMs: number }>();

  constructor(format: CorpusFormat, seed: number) {
    const decoysByKind = Object.fromEntries(DECOY_KINDS.map((kind) => [kind, 0])) as Record<DecoyKind, number>;
    this.#truth = {
      format, seed, bytes: 0, events: 0, processEvents: 0, truePositives: 0, decoys: 0, decoysByKind, eventsByShape: {}, rows: [], truePositiveRecords: [],
    };
  }

  /** Counts one written event. */
  add(event: CorpusEvent): void {
    const truth = this.#truth;
    const key = event.shape.key;
    truth.events += 1;
    truth.eventsByShape[key] = (truth.eventsByShape[key] ?? 0) + 1;
    if (key === 'sysmon-1' || key === 'security-4688') truth.processEvents += 1;
    switch (event.role) {
      case 'background':
        return;
      case 'true-positive':
        truth.truePositives += 1;
        truth.truePositiveRecords.push({ computer: event.computer, eventRecordId: event.recordId });
        this.#addRow(event);
        return;
      default:
        truth.decoys += 1;
        truth.decoysByKind[event.role] += 1;
    }
  }

  #addRow(event: CorpusEvent): void {
    const value = (name: string): string => String(event.values[event.shape.names.indexOf(name)]);
    const originalFileName = value('OriginalFileName');
    const fields = {
      dest: event.computer,
      user: basename(value('User')),
      parent_process_name: basename(value('ParentImage')),
      process_name: basename(value('Image')),
      // The modern Sysmon TA drops the `-` placeholder; fillnull then renders it "null" (rule-semantics.md §3.6, §4.1).
      original_file_name: originalFileName === '-' || originalFileName === '' ? 'null' : originalFileName,
      process: value('CommandLine'),
      process_id: value('ProcessId'),
      parent_process_id: value('ParentProcessId'),
    };
    const id = JSON.stringify(RULE_BY_FIELDS.map((f) => fields[f]));
    const group = this.#groups.get(id);
    if (group === undefined) {
      const time = floorSecond(event.timeMs);
      this.#groups.set(id, { row: { ...fields, count: 1, firstTime: time, lastTime: time }, firstMs: event.timeMs, lastMs: event.timeMs });
      return;
    }
    group.row.count += 1;
    if (event.timeMs < group.firstMs) group.row.firstTime = floorSecond((group.firstMs = event.timeMs));
    if (event.timeMs > group.lastMs) group.row.lastTime = floorSecond((group.lastMs = event.timeMs));
  }

  /** The truth for a file of `bytes` bytes. */
  finish(bytes: number): CorpusTruth {
    const rows = [...this.#groups.values()].map((g) => g.row);
    rows.sort((a, b) => {
      for (const field of RULE_BY_FIELDS) {
        if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
      }
      return 0;
    });
    return { ...this.#truth, bytes, rows };
  }
}
