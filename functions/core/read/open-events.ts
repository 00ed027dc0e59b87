/**
 * One object's bytes → events, whatever the packaging: decompress (gzip, zstd, zip; by magic bytes), sniff each stream's format
 * (XmlWinEventLog, JSON lines, EVTX) and hand it to that format's reader. Decompression errors propagate as typed errors after
 * every event before the break has been yielded; everything else is a located problem in the stream.
 */
import { CorruptCompressionError, openStreams, type Compression, type DecodedStream } from './decompress.ts';
import { detectFormat, peekChunks, type Format } from './detect-format.ts';
import { readEvtxEvents } from './evtx/evtx-events.ts';
import { readJsonlEvents } from './jsonl-events.ts';
import type { ByteChunks, RawPrefilter, ReadItem, SystemPrefilter } from './raw-event.ts';
import { readXmlEvents } from './xml-events.ts';

/** Counters every reader updates in place. */
export interface ReaderStats {
  bytes: number;
  events: number;
  skipped: number;
  problems: number;
}

/** Options for reading one object. */
export interface OpenEventsOptions {
  maxEventBytes: number;
  /** Largest decompressed size accepted; beyond it TooLargeError is thrown. */
  maxObjectBytes?: number;
  /** Raw-bytes prefilter for text formats (see scan-prefilter.ts); events it rejects are counted, not parsed. */
  prefilter?: RawPrefilter;
  /** EVTX's prefilter, on each record's System fields before its EventData is rendered; records it rejects are counted, not yielded. */
  systemPrefilter?: SystemPrefilter;
  /** Called when a stream (the object, or one zip member) starts, with what was detected. */
  onStream?: (stream: { entry?: string; compression: Compression; format: Format }) => void;
  stats: ReaderStats;
}

/** Items of one decoded stream, tagged with the zip member they came from. */
export type EntryItem = ReadItem & { entry?: string };

/** Reads every event of an object, stream by stream. */
export async function* openEvents(chunks: ByteChunks, options: OpenEventsOptions): AsyncGenerator<EntryItem> {
  const streamOptions = options.maxObjectBytes === undefined ? {} : { maxBytes: options.maxObjectBytes };
  for await (const stream of openStreams(chunks, streamOptions)) {
    try {
      yield* streamEvents(stream, options);
    } catch (error) {
      // One bad zip member (corrupt, or a method fflate cannot decode) is that member's problem: the others still read.
      if (!(error instanceof CorruptCompressionError) || stream.entry === undefined) throw error;
      options.stats.problems += 1;
      yield {
        ok: false,
        problem: { reason: 'corrupt-compression', message: error.message, location: { offset: error.offset, entry: stream.entry } },
        entry: stream.entry,
      };
    }
  }
}

async function* streamEvents(stream: DecodedStream, options: OpenEventsOptions): AsyncGenerator<EntryItem> {
  const peeked = await peekChunks(stream.chunks, 16);
  // An empty object or member holds no events and is not an error.
  if (peeked.head.length === 0) return;
  const format = detectFormat(peeked.head);
  options.onStream?.({ ...(stream.entry === undefined ? {} : { entry: stream.entry }), compression: stream.compression, format });
  for await (const item of readFormat(format, peeked.chunks, peeked.head, options)) {
    if (stream.entry !== undefined) {
      if (item.ok) item.event.location.entry = stream.entry;
      else item.problem.location.entry = stream.entry;
      yield Object.assign(item, { entry: stream.entry });
    } else {
      yield item;
    }
  }
}

function readFormat(format: Format, chunks: ByteChunks, head: Uint8Array, options: OpenEventsOptions): AsyncIterable<ReadItem> {
  const common = { maxEventBytes: options.maxEventBytes, stats: options.stats };
  switch (format) {
    case 'xml':
      return readXmlEvents(chunks, { ...common, ...(options.prefilter ? { prefilter: options.prefilter } : {}) });
    case 'jsonl':
      return readJsonlEvents(chunks, { ...common, ...(options.prefilter ? { prefilter: options.prefilter } : {}) });
    case 'evtx':
      return readEvtxEvents(chunks, { ...common, ...(options.systemPrefilter ? { systemPrefilter: options.systemPrefilter } : {}) });
    case 'unknown':
      return unknownFormat(head, options.stats);
  }
}

async function* unknownFormat(head: Uint8Array, stats: ReaderStats): AsyncGenerator<ReadItem> {
  stats.problems += 1;
  const shown = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  yield {
    ok: false,
    problem: {
      reason: 'unknown-format',
      message: `not XmlWinEventLog, JSON lines, EVTX, gzip, zstd, zip or tar: first bytes ${shown || '(empty)'}`,
      location: { offset: 0 },
    },
  };
}
