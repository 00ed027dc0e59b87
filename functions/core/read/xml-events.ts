/**
 * The XmlWinEventLog reader: UTF-8 or UTF-16LE bytes → one RawEvent per `<Event>` element, or a located problem.
 * Layouts read: one event per line (Splunk/attack_data), pretty-printed or multi-line values, `<Events>` wrappers, XML
 * declarations, comments, CRLF, BOMs, single or double quotes. Framing (xml-framing.ts) works on bytes with the scan
 * kernel; each event is then parsed from its own bytes (xml-event-fields.ts), unless the prefilter rejects it.
 *
 * Locations: `offset` is the byte offset of `<Event` and `line` its 1-based line, in the UTF-8 stream the reader scans —
 * the input itself for UTF-8 (a BOM counts), the transcoded text after the BOM for UTF-16LE (text-encoding.ts).
 */
import type { Buffer } from 'node:buffer';
import type { ByteChunks, ChunkRecycler, Problem, ProblemReason, RawPrefilter, ReadItem } from './raw-event.ts';
import { framedItems } from './framed-items.ts';
import { recordGate } from './record-gate.ts';
import { parseEventFields } from './xml-event-fields.ts';
import { type FrameSink, XmlEventFramer, EXCERPT_BYTES } from './xml-framing.ts';

/** Counters the reader updates in place while it runs. */
export interface XmlReaderStats {
  /** Input bytes consumed (as given to the reader, before any UTF-16 transcoding). */
  bytes: number;
  /** Complete `<Event>…</Event>` elements seen: parsed, malformed or skipped by the prefilter. */
  events: number;
  /** Events the prefilter rejected: counted, neither parsed nor yielded. */
  skipped: number;
  /** Problems yielded. */
  problems: number;
}

/** Options for {@link readXmlEvents}. */
export interface XmlReaderOptions {
  /** Largest event, `<Event` to `</Event>` inclusive, in bytes; larger ones are skipped as 'oversize-event'. Default 1 MiB. */
  maxEventBytes?: number;
  /** Sees each complete event's raw UTF-8 bytes (valid only during the call); false skips the event unparsed. */
  prefilter?: RawPrefilter;
  stats?: XmlReaderStats;
  /** Takes back each input chunk once the reader is done with it (see framedItems). */
  recycler?: ChunkRecycler;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
/** Buffers offered to a recycler that can read into them: the reader holds two chunks, and one more may be being read. */
const RESIDENT_BUFFERS = 4;

function countNewlines(bytes: Buffer, from: number, to: number): number {
  const range = bytes.subarray(from, to);
  let n = 0;
  for (let k = range.indexOf(0x0a); k >= 0; k = range.indexOf(0x0a, k + 1)) n += 1;
  return n;
}

function problemItem(reason: ProblemReason, message: string, offset: number, line: number, excerpt: string): ReadItem {
  const problem: Problem = { reason, message, location: { offset, line } };
  if (excerpt.length > 0) problem.excerpt = excerpt.length > EXCERPT_BYTES ? excerpt.slice(0, EXCERPT_BYTES) : excerpt;
  return { ok: false, problem };
}

/** Reads XmlWinEventLog events from a byte stream; bad input becomes located problems, never a thrown error. */
export async function* readXmlEvents(chunks: ByteChunks, options: XmlReaderOptions = {}): AsyncGenerator<ReadItem> {
  const stats = options.stats ?? { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const gate = recordGate(options.prefilter, stats);
  const onlyEventIds = options.prefilter?.onlyEventIds;
  const triage = options.prefilter?.xmlTriage;
  const pending: ReadItem[] = [];
  const sink: FrameSink = {
    event(window, search, start, end, offset, eventIdAt) {
      if (!gate(window, start, end, offset, search, eventIdAt)) return;
      const line = framer.lineOf(offset);
      const fields = parseEventFields(window, start, end);
      if (fields.ok) {
        pending.push({ ok: true, event: { location: { offset, line }, system: fields.system, data: fields.data } });
        return;
      }
      // Locate the fault itself; the problem's location stays the event's start so it can be quarantined whole.
      const at = start + Math.min(fields.at, end - start);
      const faultLine = line + countNewlines(window, start, at);
      const message = `${fields.message} (at line ${faultLine}, byte offset ${offset + at - start}) in the event at line ${line}, byte offset ${offset}`;
      stats.problems += 1;
      pending.push(problemItem(fields.reason, message, offset, line, window.toString('utf8', start, Math.min(end, start + EXCERPT_BYTES))));
    },
    ...(onlyEventIds === undefined
      ? {}
      : {
          onlyEventIds,
          skipped: (count: number) => {
            stats.events += count;
            stats.skipped += count;
          },
          ...(triage === undefined ? {} : { triage, processSkipped: (offset: number) => triage.processSkipped(offset) }),
        }),
    problem(reason, offset, line, excerpt, detail) {
      stats.problems += 1;
      pending.push(problemItem(reason, `${detail} (at line ${line}, byte offset ${offset})`, offset, line, excerpt));
    },
  };
  const framer = new XmlEventFramer(sink, { maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES });
  const recycler = options.recycler;
  if (recycler?.adopt !== undefined && recycler.chunkBytes !== undefined) {
    const buffers = framer.residentBuffers(RESIDENT_BUFFERS, recycler.chunkBytes);
    if (buffers.length > 0) recycler.adopt(buffers);
  }
  yield* framedItems(chunks, stats, framer, pending, recycler);
}
