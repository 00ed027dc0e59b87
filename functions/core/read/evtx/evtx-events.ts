/**
 * The EVTX reader: streams a binary Windows event log (file header, then 64 KiB chunks one at a time, never
 * the whole file) and yields one RawEvent per record. Damage stays local: a bad checksum is reported and
 * parsing goes on; a corrupt chunk is one problem and the next chunk is read; a record whose BinXML is corrupt is
 * one problem and the next record is read; a record whose header is invalid or torn ends its chunk (one problem for
 * the rest, as libevtx without recovery and the Rust evtx crate do), and the next chunk is read. Dirty files are read
 * like omerbenamram/evtx: all-zero chunks are skipped (a problem only when the header counts them as in use),
 * chunks past the header's chunk count are read until the first one that is neither empty nor a chunk.
 */
import type { Location, Problem, ReadItem, ByteChunks, SystemPrefilter } from '../raw-event.ts';
import { EvtxFormatError } from './evtx-format-error.ts';
import { FixedBlockReader } from './fixed-blocks.ts';
import { FILE_HEADER_SIZE, parseFileHeader } from './file-header.ts';
import { CHUNK_HEADER_SIZE, CHUNK_SIZE, hasChunkSignature, isEmptyChunk, parseChunkHeader } from './chunk-header.ts';
import { newChunkContext, type ChunkContext } from './chunk-context.ts';
import { parseRecord, recordHeaderAt } from './record.ts';

/** Mutable counters the reader keeps up to date. */
export interface ReaderStats {
  /** Input bytes consumed (the reader stops early at slack past the last chunk). */
  bytes: number;
  /** Records found: parsed, ruled out, corrupt or oversize (chunk-level damage is not a record). */
  events: number;
  /** Records the System prefilter ruled out: counted, not yielded. */
  skipped: number;
  /** Problems yielded. */
  problems: number;
}

/** Options of readEvtxEvents. */
export interface EvtxReaderOptions {
  /** Records larger than this are reported as 'oversize-event' and skipped (default: no limit below the chunk size). */
  maxEventBytes?: number;
  /** Asked per record before its EventData is rendered (see SystemPrefilter); records it rules out are only counted. */
  systemPrefilter?: SystemPrefilter;
  stats?: ReaderStats;
}

/** Reads an EVTX byte stream into RawEvents and located problems; never throws for bad input. */
export async function* readEvtxEvents(chunks: ByteChunks, options: EvtxReaderOptions = {}): AsyncGenerator<ReadItem> {
  for await (const batch of readEvtxBatches(chunks, options)) for (const item of batch) yield item;
}

/**
 * readEvtxEvents a chunk at a time: one batch per chunk (its records' items and its problems, in file order) and one per
 * file-level problem, so a consumer takes one asynchronous step per chunk instead of one per record. A batch's items are
 * counted in `stats` when the batch is handed out.
 */
export async function* readEvtxBatches(chunks: ByteChunks, options: EvtxReaderOptions = {}): AsyncGenerator<ReadItem[]> {
  const stats = options.stats;
  const maxEventBytes = options.maxEventBytes ?? CHUNK_SIZE;
  const reader = new FixedBlockReader(chunks);
  const problem: ProblemFactory = (message, location, excerpt, reason) => {
    if (stats) stats.problems++;
    return problemItem(message, location, excerpt, reason);
  };
  // Several streams (zip members) may share one stats object: add what this reader pulls, never overwrite.
  let counted = 0;
  const countBytes = (): void => {
    if (stats) stats.bytes += reader.bytesPulled - counted;
    counted = reader.bytesPulled;
  };
  const ruledOut = { count: 0 };
  try {
    const headerBlock = await reader.read(FILE_HEADER_SIZE);
    countBytes();
    let chunkCount = 0;
    try {
      const header = parseFileHeader(headerBlock);
      chunkCount = header.chunkCount;
      if (!header.checksumOk) yield [problem('EVTX file header checksum mismatch; reading the chunks anyway', { offset: 0 })];
    } catch (error) {
      if (!(error instanceof EvtxFormatError)) throw error;
      yield [problem(`Not a readable EVTX file: ${error.message}`, { offset: 0 }, hexExcerpt(headerBlock, 0))];
    }
    if (headerBlock.length < FILE_HEADER_SIZE) {
      if (headerBlock.length >= 128) yield [problem(`EVTX file is truncated: ${headerBlock.length} bytes, no chunk follows the header`, { offset: 0 })];
      return;
    }
    for (let index = 0; ; index++) {
      const chunk = await reader.read(CHUNK_SIZE);
      countBytes();
      if (chunk.length === 0) {
        if (index < chunkCount) {
          yield [problem(`EVTX file ends after ${index} chunks although its header counts ${chunkCount}: the file is truncated`, { offset: FILE_HEADER_SIZE + index * CHUNK_SIZE, chunk: index })];
        }
        break;
      }
      const fileOffset = FILE_HEADER_SIZE + index * CHUNK_SIZE;
      // A chunk that starts with its signature is not empty: the byte scan only runs on chunks without one.
      if (!hasChunkSignature(chunk) && isEmptyChunk(chunk)) {
        // Past the header's chunk count an all-zero chunk is preallocated space; inside it, records were lost.
        if (index < chunkCount) yield [problem(`EVTX chunk ${index} (file offset ${fileOffset}) is all zeros although the header counts ${chunkCount} chunks; skipped`, { offset: fileOffset, chunk: index })];
        continue;
      }
      if (!hasChunkSignature(chunk) && index >= chunkCount) break;
      // A chunk is parsed whole into a fresh list, which is handed out as it is.
      const items: ReadItem[] = [];
      ruledOut.count = 0;
      readChunk(chunk, index, fileOffset, maxEventBytes, options.systemPrefilter, ruledOut, items);
      if (stats !== undefined) {
        stats.events += ruledOut.count;
        stats.skipped += ruledOut.count;
        for (const item of items) {
          if (item.ok) stats.events++;
          else {
            stats.problems++;
            if (item.problem.location.record !== undefined) stats.events++;
          }
        }
      }
      if (items.length > 0) yield items;
    }
  } finally {
    await reader.close();
  }
}

type ProblemFactory = (message: string, location: Location, excerpt?: string, reason?: 'corrupt-evtx' | 'oversize-event') => ReadItem;

/** A problem item (stats are counted by the caller). */
function problemItem(message: string, location: Location, excerpt?: string, reason: 'corrupt-evtx' | 'oversize-event' = 'corrupt-evtx'): ReadItem {
  const p: Problem = { reason, message, location };
  if (excerpt !== undefined) p.excerpt = excerpt;
  return { ok: false, problem: p };
}

/**
 * Appends the items of one chunk to `items` (a short chunk is read as far as it goes). Each record gives exactly one
 * item (an event, or a problem located at its record id) unless `gate` rules it out, which is only counted in
 * `ruledOut`; chunk-level problems carry no record id.
 */
function readChunk(
  chunk: Uint8Array,
  index: number,
  fileOffset: number,
  maxEventBytes: number,
  gate: SystemPrefilter | undefined,
  ruledOut: { count: number },
  items: ReadItem[],
): void {
  const problem = problemItem;
  const where = `EVTX chunk ${index} (file offset ${fileOffset})`;
  const at: Location = { offset: fileOffset, chunk: index };
  let header;
  try {
    header = parseChunkHeader(chunk, fileOffset);
  } catch (error) {
    if (!(error instanceof EvtxFormatError)) throw error;
    items.push(problem(`${where} is corrupt, skipped: ${error.message}`, at, hexExcerpt(chunk, 0)));
    return;
  }
  if (chunk.length < CHUNK_SIZE) items.push(problem(`${where} is truncated at ${chunk.length} of ${CHUNK_SIZE} bytes; reading the records it holds`, at));
  if (!header.headerChecksumOk) items.push(problem(`${where}: header checksum mismatch; reading it anyway`, at));
  if (header.dataChecksumOk === false && chunk.length === CHUNK_SIZE) items.push(problem(`${where}: records checksum mismatch; reading them anyway`, at));
  if (header.badTableOffsets.length > 0) {
    items.push(problem(`${where}: string/template table offsets outside the chunk (${header.badTableOffsets.slice(0, 5).join(', ')}); ignored`, at));
  }
  let limit = header.freeSpaceOffset;
  if (limit < CHUNK_HEADER_SIZE || limit > chunk.length) {
    if (limit > CHUNK_SIZE || limit < CHUNK_HEADER_SIZE) items.push(problem(`${where}: free space offset ${limit} is outside the chunk; scanning to its end`, at));
    limit = chunk.length;
  }
  const ctx = newChunkContext(chunk, fileOffset);
  let pos = CHUNK_HEADER_SIZE;
  while (pos + 24 <= limit) {
    const record = recordHeaderAt(ctx, pos);
    if (record?.trailerOk !== true) {
      // Unused space after the last record is zero-filled when the free space offset points at the chunk end.
      if (record === undefined && isZeroFrom(ctx, pos, limit)) return;
      // The chunk's records end here. What follows a torn record is older data the chunk was being overwritten over
      // (rcm-torn-chunk.evtx: records 401576–401596 after the torn 463011), not records of this chunk: libevtx lists
      // it only as recovered, and the Rust evtx crate stops at an invalid record too. One problem for the rest.
      const what =
        record === undefined
          ? `no valid record header at file offset ${fileOffset + pos}`
          : `record ${record.recordId} at file offset ${fileOffset + pos} is incomplete or overwritten (its closing size copy disagrees with its size ${record.size})`;
      const location: Location = { offset: fileOffset + pos, chunk: index };
      if (record !== undefined) location.record = record.recordId;
      items.push(problem(`${where}: ${what}; the rest of the chunk (${limit - pos} bytes) skipped`, location, hexExcerpt(chunk, pos)));
      return;
    }
    const location: Location = { offset: fileOffset + pos, chunk: index, record: record.recordId };
    if (record.size > maxEventBytes) {
      items.push(problem(`EVTX record ${record.recordId} is ${record.size} bytes, over the ${maxEventBytes}-byte limit; skipped`, location, undefined, 'oversize-event'));
    } else {
      try {
        const event = parseRecord(ctx, pos, record, location, gate);
        if (event === undefined) ruledOut.count++;
        else items.push({ ok: true, event });
      } catch (error) {
        items.push(problem(`EVTX record ${record.recordId} in chunk ${index} is corrupt, skipped: ${describe(error)}`, location, hexExcerpt(chunk, pos)));
      }
    }
    pos += record.size;
  }
}

/** The message of a parse failure; anything but EvtxFormatError is a parser defect, still reported, never thrown. */
function describe(error: unknown): string {
  if (error instanceof EvtxFormatError) return error.message;
  return `unexpected parser failure (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`;
}

function isZeroFrom(ctx: ChunkContext, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (ctx.bytes[i] !== 0) return false;
  return true;
}

/** Up to 48 bytes at `pos` as hex, for the quarantine. */
function hexExcerpt(bytes: Uint8Array, pos: number): string {
  return Array.from(bytes.subarray(pos, pos + 48), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
