/**
 * The reader stage's output: one Windows event as logged, before any CIM mapping, or a located problem.
 * Every reader (XML, JSON lines, EVTX) yields these, so everything after the reader is format-agnostic.
 */
import type { SearchPattern } from '../kernel/scan-kernel.ts';

/** Where in an input a record or a problem sits. `offset` is a byte offset into the decompressed stream. */
export interface Location {
  /** Byte offset of the record's first byte in the (decompressed, transcoded-to-UTF-8 for UTF-16 inputs) stream. */
  offset: number;
  /** 1-based line of the record's first byte (text formats). */
  line?: number;
  /** EVTX: 0-based chunk index. */
  chunk?: number;
  /** EVTX: record number within the file (the record header's id). */
  record?: number;
  /** Archive member (zip entry name) when the object is an archive. */
  entry?: string;
}

/** The System block of a Windows event, values as logged (strings), attributes flattened. */
export interface RawSystem {
  /** Provider/@Name, e.g. `Microsoft-Windows-Sysmon`. */
  Provider?: string;
  /** EventID text content (qualifiers dropped), e.g. `1`, `4688`. */
  EventID?: string;
  Version?: string;
  Channel?: string;
  Computer?: string;
  EventRecordID?: string;
  /** TimeCreated/@SystemTime as logged, e.g. `2022-03-25T17:46:37.652897900Z`. */
  TimeCreated?: string;
  /** Security/@UserID, e.g. `S-1-5-18`. */
  UserID?: string;
}

/** One event as read: System fields plus EventData `<Data Name=…>` values (entities decoded). */
export interface RawEvent {
  location: Location;
  system: RawSystem;
  /** EventData/Data by Name. An absent element is an absent key; `<Data Name='X'/>` or empty text is `''`. */
  data: Record<string, string>;
}

/** Why a record could not be read. A closed set: every reader reports one of these. */
export type ProblemReason =
  | 'oversize-event'
  | 'malformed-event'
  | 'unclosed-event'
  | 'invalid-encoding'
  | 'forbidden-dtd'
  | 'stray-content'
  | 'invalid-json'
  | 'corrupt-compression'
  | 'corrupt-evtx'
  | 'too-large'
  | 'unknown-format';

/** A located, counted problem. The reader carries on after it. */
export interface Problem {
  reason: ProblemReason;
  /** A message a user can act on, naming what was wrong. */
  message: string;
  location: Location;
  /** Up to ~200 characters of the offending text, for the quarantine. */
  excerpt?: string;
}

/** What readers yield: a parsed event, or a problem. Never a thrown error for bad input. */
export type ReadItem = { ok: true; event: RawEvent } | { ok: false; problem: Problem };

/** A stream of bytes (an S3 body, a file stream, a decompressor's output). */
export type ByteChunks = AsyncIterable<Uint8Array>;

/**
 * Takes back a chunk its consumer is done with, so the producer can read into the same memory again (a file reader's
 * buffers: fresh 1 MiB buffers cost page faults on every read). Chunks the recycler did not hand out are ignored.
 */
export interface ChunkRecycler {
  release(chunk: Uint8Array): void;
  /** The size of the buffers the producer reads into, when it can read into buffers its consumer offers (adopt). */
  readonly chunkBytes?: number;
  /**
   * Offers buffers of chunkBytes each that the consumer scans where they lie (the XML reader's scan-kernel memory, which
   * saves copying every byte once): the producer reads into these from now on, and takes them back through release as
   * before.
   */
  adopt?(buffers: readonly Uint8Array[]): void;
}

/**
 * Where a framed record's raw bytes sit: `window[start, end)`, valid only during the call, `offset` its absolute byte
 * offset in the decoded stream. Records of one window arrive in order, so a prefilter can work once per window.
 */
export interface RawRecordView {
  window: Uint8Array;
  start: number;
  end: number;
  offset: number;
  /** Searches over the window (the reader's copy of it in the scan kernel), so the prefilter allocates nothing to ask. */
  search?: WindowSearch;
  /** XML only: index in `window` of the event's one `<EventID` start tag, or -1 when it has none or several. */
  eventIdAt?: number;
}

/** Literal searches over a reader's window, by the indices of RawRecordView.window (scan-kernel.ts answers them). */
export interface WindowSearch {
  /**
   * The first index in [from, to) where `literal` starts, or -1. Its characters are bytes (latin1 code units); with `fold`,
   * its ASCII letters match either case.
   */
  find(literal: string, fold: boolean, from: number, to: number): number;
  /** Calls `visit(at, which)` for every index `at` in [from, to) where `patterns[which]` starts, in no particular order. */
  findAll(patterns: readonly SearchPattern[], from: number, to: number, visit: (at: number, which: number) => void): void;
}

/**
 * How a prefilter decides an XML event whose one `<EventID>` holds clean digits of a listed number (RawPrefilter), from
 * literals alone: an event holding a numeric reference `&#` is left to the prefilter; otherwise, for an EventID with a
 * provider literal, an event without it is no process event, and a process event holding none of `anyOf` cannot match.
 * Literals are printable ASCII without `&<>"'\`, lower-cased, matched ignoring ASCII case.
 */
export interface XmlTriageRules {
  readonly providers: ReadonlyArray<{ readonly eventId: number; readonly literal: string }>;
  readonly anyOf: readonly string[];
}

/**
 * A reader's raw-bytes prefilter: false skips the record `view.window[start, end)` unparsed (it is still counted). With
 * `onlyEventIds`, it promises false, and nothing else done, for every XML event whose one `<EventID>` holds clean digits
 * (xml-event-id.ts) of a number not in the set: the reader may then count such events without asking. With `xmlTriage` as
 * well, it promises the same for the events of listed EventIDs those rules settle, but for one thing: a process event that
 * cannot match must be reported to `processSkipped`, by its absolute offset, as the prefilter would have noted it.
 */
export type RawPrefilter = ((view: Readonly<RawRecordView>) => boolean) & {
  readonly onlyEventIds?: ReadonlySet<number>;
  readonly xmlTriage?: XmlTriageRules & { processSkipped(offset: number): void };
};

/**
 * The EVTX reader's prefilter: asked once per record with its rendered System fields before any EventData value is
 * rendered, and only when EventID, Provider and Channel are all there (final: a repeated field keeps its first value).
 * False skips the record (counted, not yielded); its EventData is never rendered, so damage there is not reported.
 */
export type SystemPrefilter = (system: Readonly<RawSystem>) => boolean;
