/**
 * One event record inside a chunk: `**\0\0` signature, size, record id, written time, BinXML, copy of the size
 * (libevtx format document, section Event record). Parses the BinXML into RawEvent fields.
 */
import type { Location, RawEvent, SystemPrefilter } from '../raw-event.ts';
import type { ChunkContext } from './chunk-context.ts';
import { parseFragment } from './binxml-tree.ts';
import { eventFields } from './binxml-event.ts';
import { u64 } from './chunk-header.ts';

const RECORD_SIGNATURE = 0x0000_2a2a;
/** Signature, size, id and written time before the BinXML; the size copy after it. */
const RECORD_OVERHEAD = 28;

/** A record header: size, id, and whether the size copy at the record's end agrees. */
export interface RecordHeader {
  size: number;
  recordId: number;
  /** False for a record caught mid-write in a dirty chunk (the copy is still 0) or partly overwritten. */
  trailerOk: boolean;
}

/** The record header at `pos` when the signature is there and the size fits the chunk; undefined otherwise. */
export function recordHeaderAt(ctx: ChunkContext, pos: number): RecordHeader | undefined {
  const view = ctx.view;
  if (pos + 24 > view.byteLength || view.getUint32(pos, true) !== RECORD_SIGNATURE) return undefined;
  const size = view.getUint32(pos + 4, true);
  if (size < RECORD_OVERHEAD || pos + size > view.byteLength) return undefined;
  return { size, recordId: u64(view, pos + 8), trailerOk: view.getUint32(pos + size - 4, true) === size };
}

/**
 * Parses the record at `pos` (header already checked) into a RawEvent located at `location`, which becomes the event's
 * own; undefined when `gate` ruled it out before its EventData was rendered; throws EvtxFormatError when corrupt.
 */
export function parseRecord(ctx: ChunkContext, pos: number, header: RecordHeader, location: Location, gate?: SystemPrefilter): RawEvent | undefined {
  const content = parseFragment(ctx, pos + 24, pos + header.size - 4, { insideSubstitution: false, depth: 0 });
  const fields = eventFields(ctx, content, gate);
  return fields === undefined ? undefined : { location, system: fields.system, data: fields.data };
}
