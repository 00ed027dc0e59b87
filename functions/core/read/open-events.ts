/**
 * One object's bytes → events, whatever the packaging: decompress (gzip, zstd, zip; by magic bytes), sniff each stream's format
 * (XmlWinEventLog, JSON lines, EVTX) and hand it to that format's reader. Decompression errors propagate as typed errors after
 * every event before the break has been yielded — except inside an archive member, where a CorruptCompressionError becomes
 * a located `corrupt-compression` problem so the other members still read; everything else is a located problem in the stream.
 */
import { CorruptCompressionError, openStreams, type Compression, type DecodedStream, type OpenStreamsOptions } from './decompress.ts';
import { detectFormat, peekChunks, type Format } from './detect-format.ts';
import { readEvtxBatches } from './evtx/evtx-events.ts';
import { readJsonlEvents } from './jsonl-events.ts';
import type { JsonTimeZone } from './json-time-zone.ts';
import type { ByteChunks, ChunkRecycler, RawPrefilter, ReadItem, SystemPrefilter } from './raw-event.ts';
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
  /** Most decoded bytes per compressed byte (openStreams' maxRatio); beyond it CompressionRatioError is thrown. */
  maxDecompressionRatio?: number;
  /** Decoded bytes before the ratio is checked (openStreams' ratioFloor). */
  decompressionRatioFloorBytes?: number;
  /** Raw-bytes prefilter for text formats (see scan-prefilter.ts); events it rejects are counted, not parsed. */
  prefilter?: RawPrefilter;
  /** EVTX's prefilter, on each record's System fields before its EventData is rendered; records it rejects are counted, not yielded. */
  systemPrefilter?: SystemPrefilter;
  /** Zone of JSON timestamps written without one (default UTC); see json-time-zone.ts. */
  jsonTimeZone?: JsonTimeZone;
  /**
   * Takes back the object's chunks once a text reader is done with them (the CLI's file buffers). Only an uncompressed
   * object's own chunks go back: a decoder or an archive reader may still hold the chunks it was given.
   */
  recycler?: ChunkRecycler;
  /** Called when a stream (the object, or one zip member) starts, with what was detected. */
  onStream?: (stream: { entry?: string; compression: Compression; format: Format }) => void;
  stats: ReaderStats;
}

/** Items of one decoded stream, tagged with the zip member they came from. */
export type EntryItem = ReadItem & { entry?: string };

/** Reads every event of an object, stream by stream. */
export async function* openEvents(chunks: ByteChunks, options: OpenEventsOptions): AsyncGenerator<EntryItem> {
  for await (const batch of openEventBatches(chunks, options)) for (const item of batch) yield item;
}

/**
 * openEvents in batches, so the consumer takes one asynchronous step per batch: EVTX hands over a chunk's items at once,
 * the text formats one item at a time. A batch is valid only until the next one is asked for (one-item batches reuse
 * their array).
 */
export async function* openEventBatches(chunks: ByteChunks, options: OpenEventsOptions): AsyncGenerator<readonly EntryItem[]> {
  const streamOptions: OpenStreamsOptions = {
    ...(options.maxObjectBytes === undefined ? {} : { maxBytes: options.maxObjectBytes }),
    ...(options.maxDecompressionRatio === undefined ? {} : { maxRatio: options.maxDecompressionRatio }),
    ...(options.decompressionRatioFloorBytes === undefined ? {} : { ratioFloor: options.decompressionRatioFloorBytes }),
  };
  for await (const stream of openStreams(chunks, streamOptions)) {
    try {
      yield* streamBatches(stream, options);
    } catch (error) {
      // A bad archive member (corrupt, truncated, or a method fflate cannot decode) is reported as a problem rather than
      // thrown, so the archive's other members still read; Scan still ends the object failed (source-failure.ts).
      if (!(error instanceof CorruptCompressionError) || stream.entry === undefined) throw error;
      options.stats.problems += 1;
      yield [
        {
          ok: false,
          problem: { reason: 'corrupt-compression', message: error.message, location: { offset: error.offset, entry: stream.entry } },
          entry: stream.entry,
        },
      ];
    }
  }
}

async function* streamBatches(stream: DecodedStream, options: OpenEventsOptions): AsyncGenerator<readonly EntryItem[]> {
  const peeked = await peekChunks(stream.chunks, 16);
  // An empty object or member holds no events and is not an error.
  if (peeked.head.length === 0) return;
  const format = detectFormat(peeked.head);
  const entry = stream.entry;
  options.onStream?.({ ...(entry === undefined ? {} : { entry }), compression: stream.compression, format });
  if (format === 'evtx') {
    const evtxOptions = { maxEventBytes: options.maxEventBytes, stats: options.stats, ...(options.systemPrefilter ? { systemPrefilter: options.systemPrefilter } : {}) };
    for await (const batch of readEvtxBatches(peeked.chunks, evtxOptions)) {
      if (entry !== undefined) for (const item of batch) tagEntry(item, entry);
      yield batch;
    }
    return;
  }
  const one: EntryItem[] = [];
  const recycler = stream.compression === 'none' && entry === undefined ? options.recycler : undefined;
  for await (const item of readFormat(format, peeked.chunks, peeked.head, options, recycler)) {
    one[0] = entry === undefined ? item : tagEntry(item, entry);
    yield one;
  }
}

/** Names the zip member on the item and its location. */
function tagEntry(item: ReadItem, entry: string): EntryItem {
  if (item.ok) item.event.location.entry = entry;
  else item.problem.location.entry = entry;
  return Object.assign(item, { entry });
}

function readFormat(
  format: Exclude<Format, 'evtx'>,
  chunks: ByteChunks,
  head: Uint8Array,
  options: OpenEventsOptions,
  recycler: ChunkRecycler | undefined,
): AsyncIterable<ReadItem> {
  const common = { maxEventBytes: options.maxEventBytes, stats: options.stats, ...(recycler ? { recycler } : {}) };
  switch (format) {
    case 'xml':
      return readXmlEvents(chunks, { ...common, ...(options.prefilter ? { prefilter: options.prefilter } : {}) });
    case 'jsonl':
      return readJsonlEvents(chunks, {
        ...common,
        ...(options.prefilter ? { prefilter: options.prefilter } : {}),
        ...(options.jsonTimeZone ? { jsonTimeZone: options.jsonTimeZone } : {}),
      });
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
