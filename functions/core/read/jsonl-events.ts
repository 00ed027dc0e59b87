/**
 * The JSON-lines reader: one Windows event per JSON object (JSON lines, pretty-printed objects, or one array of
 * objects; see jsonl-framing.ts), mapped from its producer's shape (evtx_dump, Winlogbeat, NXLog/OTRF, Azure; see
 * jsonl-shapes.ts) to a RawEvent. Records the prefilter rejects are counted and never parsed. Invalid JSON, unknown
 * shapes and over-long records become located problems and the reader carries on with the next record.
 * UTF-16LE input (PowerShell's default) is transcoded to UTF-8 first; offsets then count the transcoded bytes.
 *
 * Locations: `offset` is the byte offset of the record's `{`, `line` its 1-based line.
 */
import type { Buffer } from 'node:buffer';
import type { ByteChunks, ChunkRecycler, Problem, ProblemReason, RawPrefilter, ReadItem, WindowSearch } from './raw-event.ts';
import { framedItems } from './framed-items.ts';
import { recordGate } from './record-gate.ts';
import { EXCERPT_CHARS, JsonRecordFramer, type JsonFrameSink } from './jsonl-framing.ts';
import { mapJsonEvent, type JsonShapeOptions } from './jsonl-shapes.ts';
import type { JsonTimeZone } from './json-time-zone.ts';

/** Counters the reader updates in place while it runs. */
export interface JsonlReaderStats {
  /** Input bytes consumed (before any UTF-16 transcoding). */
  bytes: number;
  /** JSON records framed: parsed, invalid, of an unknown shape, or skipped by the prefilter. */
  events: number;
  /** Records the prefilter rejected: counted, neither parsed nor yielded. */
  skipped: number;
  /** Problems yielded. */
  problems: number;
}

/** Options for {@link readJsonlEvents}. */
export interface JsonlReaderOptions {
  /** Largest record in bytes; longer ones are skipped as 'oversize-event' without being buffered. Default 1 MiB. */
  maxEventBytes?: number;
  /** Sees each record's raw UTF-8 bytes (valid only during the call); false skips the record unparsed. */
  prefilter?: RawPrefilter;
  stats?: JsonlReaderStats;
  /** Takes back each input chunk once the reader is done with it (see framedItems). */
  recycler?: ChunkRecycler;
  /** Zone of timestamps written without one (default UTC); see json-time-zone.ts. */
  jsonTimeZone?: JsonTimeZone;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

function problemItem(reason: ProblemReason, message: string, offset: number, line: number, excerpt: string): ReadItem {
  const problem: Problem = { reason, message, location: { offset, line } };
  if (excerpt.length > 0) problem.excerpt = excerpt;
  return { ok: false, problem };
}

/** Reads JSON events from a byte stream; bad input becomes located problems, never a thrown error. */
export async function* readJsonlEvents(chunks: ByteChunks, options: JsonlReaderOptions = {}): AsyncGenerator<ReadItem> {
  const stats = options.stats ?? { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const gate = recordGate(options.prefilter, stats);
  const pending: ReadItem[] = [];
  const shapeOptions: JsonShapeOptions = options.jsonTimeZone === undefined ? {} : { jsonTimeZone: options.jsonTimeZone };
  const sink: JsonFrameSink = {
    record(window: Buffer, search: WindowSearch, start: number, end: number, offset: number, line: number) {
      if (!gate(window, start, end, offset, search)) return;
      const text = window.toString('utf8', start, end);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        stats.problems += 1;
        const why = error instanceof Error ? error.message : String(error);
        pending.push(problemItem('invalid-json', `invalid JSON (${why}) in the record at line ${line}, byte offset ${offset}`, offset, line, text.slice(0, EXCERPT_CHARS)));
        return;
      }
      const mapped = mapJsonEvent(value, shapeOptions);
      if (mapped.ok) {
        pending.push({ ok: true, event: { location: { offset, line }, system: mapped.system, data: mapped.data } });
        return;
      }
      stats.problems += 1;
      pending.push(problemItem('malformed-event', `${mapped.message} (record at line ${line}, byte offset ${offset})`, offset, line, text.slice(0, EXCERPT_CHARS)));
    },
    problem(reason, offset, line, excerpt, detail) {
      stats.problems += 1;
      pending.push(problemItem(reason, `${detail} (at line ${line}, byte offset ${offset})`, offset, line, excerpt));
    },
  };
  const framer = new JsonRecordFramer(sink, { maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES });
  yield* framedItems(chunks, stats, framer, pending, options.recycler);
}
