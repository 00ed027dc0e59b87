/**
 * What the XML framer's stages share (xml-framing.ts, xml-event-runs.ts): the sink they deliver to, and the bytes they test.
 */
import { Buffer } from 'node:buffer';
import type { ProblemReason, WindowSearch, XmlTriageRules } from './raw-event.ts';

/** `</Event>`, the end tag. */
export const END_TAG = Buffer.from('</Event>', 'latin1');

/** XML whitespace: space, LF, CR, tab. */
export function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Receives what the framer finds, synchronously, in input order. */
export interface FrameSink {
  /**
   * A complete event: bytes [start, end) of `window` (`search` finds literals in them), valid only during the call. `offset`
   * locates `<Event` (its line, when wanted, is the framer's `lineOf(offset)`, asked during the call); `eventIdAt` is the index
   * of the event's one `<EventID` tag, or -1 when it has none or several.
   */
  event(window: Buffer, search: WindowSearch, start: number, end: number, offset: number, eventIdAt: number): void;
  /**
   * The EventIDs to deliver: a complete event whose one `<EventID>` holds clean digits (xml-event-id.ts) of another number
   * needs no `event` call, and is only counted with `skipped`. Absent: every event is delivered. Read once, by the constructor.
   */
  readonly onlyEventIds?: ReadonlySet<number>;
  /** Counts events `onlyEventIds` or `triage` let go. */
  skipped?(count: number): void;
  /**
   * With `onlyEventIds`: the rules by which events with a listed EventID may be let go as well (RawPrefilter's xmlTriage);
   * the process events among them are reported to `processSkipped`, by absolute offset. Read once, by the constructor.
   */
  readonly triage?: XmlTriageRules;
  processSkipped?(offset: number): void;
  /** A located problem; `excerpt` is the offending text's beginning, `detail` says what was wrong. */
  problem(reason: ProblemReason, offset: number, line: number, excerpt: string, detail: string): void;
}

