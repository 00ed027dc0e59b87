/**
 * Event framing for XmlWinEventLog: finds each `<Event …>…</Event>` in a UTF-8 byte stream from the scan kernel's tag marks
 * (xml-tag-marks.ts), without decoding or parsing it, and reports everything between events that is not whitespace, an
 * `<Events>` wrapper tag, an XML declaration / processing instruction or a comment. A `<!DOCTYPE` is reported and skipped,
 * never interpreted. Runs of complete events are taken in bulk (xml-event-runs.ts); this file is the general path.
 *
 * Decisions depend only on the bytes, never on where chunks happen to split them:
 * - an event starting at s ends at the first `</Event>` after it, unless a new `<Event` start comes first (then s is
 *   unclosed, and the reader resumes at the new start); a start is `<Event` followed by whitespace, `>` or `/`;
 * - an event longer than maxEventBytes is oversize: it is reported and skipped without being buffered, up to its end or
 *   the next start, whichever comes first;
 * - a run of stray bytes ends at the next event start and is reported once.
 * Known limit: a CDATA section or comment inside an event whose text contains `</Event>` or an `<Event ` start splits the
 * event there (Windows never writes either; the parts are reported as problems, nothing is lost silently).
 * Memory is bounded by maxEventBytes plus one piece of input (xml-scan-window.ts holds the bytes).
 */
import { Buffer } from 'node:buffer';
import type { ProblemReason } from './raw-event.ts';
import { DoctypeSkipper } from './xml-doctype.ts';
import { takeRunOfEvents } from './xml-event-runs.ts';
import { END_TAG, isSpace, type FrameSink } from './xml-frame-sink.ts';
import { NeedleSearch } from './xml-needle-search.ts';
import { ScanWindow, largestWindow } from './xml-scan-window.ts';
import { TagMarks } from './xml-tag-marks.ts';

const START_TAG = Buffer.from('<Event', 'latin1');
const END_TAG_OPEN = Buffer.from('</Event', 'latin1');
const DOCTYPE = Buffer.from('<!DOCTYPE', 'latin1');
const WRAPPER_OPEN = Buffer.from('<Events', 'latin1');
const WRAPPER_CLOSE = Buffer.from('</Events', 'latin1');
const COMMENT_OPEN = Buffer.from('<!--', 'latin1');
/** Bytes needed after `<` to tell the constructs apart (`<!DOCTYPE` is the longest). */
const LOOKAHEAD = 10;
/** Excerpts are at most this many bytes of the input, so at most this many characters. */
export const EXCERPT_BYTES = 200;

export type { FrameSink } from './xml-frame-sink.ts';

/** Options for {@link XmlEventFramer}. */
export interface FramerOptions {
  maxEventBytes: number;
}

type Mode = 'between' | 'event' | 'skip' | 'stray' | 'construct' | 'doctype';

function isStartBoundary(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x3e || byte === 0x2f || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function startsWith(window: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > window.length) return false;
  for (let i = 0; i < prefix.length; i += 1) if (window[at + i] !== prefix[i]) return false;
  return true;
}

/** Splits a UTF-8 byte stream into events and located problems. Positions kept across calls are absolute offsets. */
export class XmlEventFramer {
  readonly #sink: FrameSink;
  readonly #max: number;
  readonly #marks = new TagMarks();
  readonly #w = new ScanWindow((bytes, from, to) => this.#marks.countNewlines(bytes, from, to));
  #mode: Mode = 'between';
  /** Start, line (-1 until asked: skipped events never need theirs) and excerpt of the pending event / stray run / construct. */
  #start = 0;
  #startLine = -1;
  #excerpt: string | undefined;
  /** Where the boundary scan resumes (absolute offset of the first `<` it may report), and the boundary found for a pending event. */
  #scanFrom = 0;
  #boundAt = -1;
  #boundKind: 'start' | 'end' = 'start';
  /** Event mode: `<EventID` tags seen in the pending event, and the first one's absolute offset. */
  #eventIds = 0;
  #eventIdAt = -1;
  /** Construct mode: the terminator searched for and where the search starts. */
  readonly #tagEnd = new NeedleSearch(Buffer.from('>', 'latin1'));
  readonly #piEnd = new NeedleSearch(Buffer.from('?>', 'latin1'));
  readonly #commentEnd = new NeedleSearch(Buffer.from('-->', 'latin1'));
  #terminator: NeedleSearch = this.#tagEnd;
  #terminatorLength = 1;
  #termFrom = 0;
  #doctype: DoctypeSkipper | undefined;
  /** Stray mode after an unterminated DTD: bytes are skipped without a second problem. */
  #silent = false;

  constructor(sink: FrameSink, options: FramerOptions) {
    this.#sink = sink;
    this.#max = options.maxEventBytes;
    this.#marks.setRunIds(sink.onlyEventIds);
    this.#marks.setTriage(sink.onlyEventIds === undefined ? undefined : sink.triage);
  }

  /**
   * Buffers for the caller to read its input into: chunks read into them are scanned where they lie, without a copy
   * (ScanKernel.residentBuffers). The kernel memory is sized for this framer's largest window: its largest event, the
   * few bytes a construct or stray run keeps besides (EXCERPT_BYTES, a tag), and one piece.
   */
  residentBuffers(count: number, bytes: number): Buffer[] {
    return this.#marks.residentBuffers(count, bytes, largestWindow(this.#max + EXCERPT_BYTES + LOOKAHEAD + END_TAG.length));
  }

  /** Scans the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    this.#w.push(chunk, this.#scanMore);
  }

  /** Ends the stream: whatever is pending is reported. */
  finish(): void {
    this.#run(true);
  }

  /** The 1-based line of the event being delivered (only during FrameSink.event, for its own offset). */
  lineOf(offset: number): number {
    return offset === this.#start ? this.#line() : this.#w.lineAt(offset);
  }

  /** The pending construct's line; asked while its first byte is still in view. */
  #line(): number {
    if (this.#startLine < 0) this.#startLine = this.#w.lineAt(this.#start);
    return this.#startLine;
  }

  readonly #scanMore = (): void => this.#run(false);

  #run(final: boolean): void {
    for (;;) {
      let progressed: boolean;
      switch (this.#mode) {
        case 'between':
          takeRunOfEvents(this.#w, this.#marks, this.#sink, this.#max, final);
          progressed = this.#between(final);
          break;
        case 'event':
          progressed = this.#event(final);
          break;
        case 'skip':
          progressed = this.#skip(final);
          break;
        case 'stray':
          progressed = this.#stray(final);
          break;
        case 'construct':
          progressed = this.#construct(final);
          break;
        case 'doctype':
          progressed = this.#doctypeStep(final);
          break;
      }
      if (!progressed) return;
    }
  }

  /** Outside any event: skip whitespace (and BOMs), then classify what starts here. */
  #between(final: boolean): boolean {
    const w = this.#w.bytes;
    let p = this.#w.pos;
    while (p < w.length && isSpace(w[p])) p += 1;
    this.#w.pos = p;
    if (p >= w.length) return false;
    const c = w[p];
    if (c === 0xef) {
      // A UTF-8 BOM, at the start or where BOM-prefixed files were concatenated.
      if (p + 3 > w.length && !final) return false;
      if (w[p + 1] === 0xbb && w[p + 2] === 0xbf) {
        this.#w.pos = p + 3;
        return true;
      }
    }
    if (c !== 0x3c) return this.#beginStray(p);
    if (p + LOOKAHEAD > w.length && !final) return false;
    if (startsWith(w, p, START_TAG) && isStartBoundary(w[p + 6])) return this.#beginEvent(p);
    if (startsWith(w, p, WRAPPER_OPEN) && isStartBoundary(w[p + 7])) return this.#beginConstruct(p, 7, this.#tagEnd, 1);
    if (startsWith(w, p, WRAPPER_CLOSE) && (w[p + 8] === 0x3e || isSpace(w[p + 8]))) return this.#beginConstruct(p, 8, this.#tagEnd, 1);
    if (w[p + 1] === 0x3f) return this.#beginConstruct(p, 2, this.#piEnd, 2);
    if (startsWith(w, p, COMMENT_OPEN)) return this.#beginConstruct(p, 4, this.#commentEnd, 3);
    if (startsWith(w, p, DOCTYPE)) return this.#beginDoctype(p);
    return this.#beginStray(p);
  }

  /** Starts a construct at window index `startRel`. Its line is counted now unless `lazy` (events keep their start in view). */
  #mark(startRel: number, lazy = false): void {
    this.#start = this.#w.base + startRel;
    this.#startLine = -1;
    if (!lazy) this.#line();
    this.#excerpt = undefined;
  }

  #beginEvent(p: number): boolean {
    this.#mark(p, true);
    this.#scanFrom = this.#start + START_TAG.length;
    this.#boundAt = -1;
    this.#eventIds = 0;
    this.#eventIdAt = -1;
    this.#mode = 'event';
    return true;
  }

  /**
   * The next event start or `</Event>` (only when `ends`) from `#scanFrom` on, as far as the window allows: its absolute
   * offset, with its kind in `#boundKind`; or -1, with `#scanFrom` left where the search must resume. The `<EventID` tags on
   * the way are counted in `#eventIds`, so the prefilter knows where the EventID is without searching again.
   */
  #scanBoundary(final: boolean, ends: boolean): number {
    const w = this.#w;
    const base = w.base;
    const marks = this.#marks;
    let from = Math.max(this.#scanFrom - base, 0);
    marks.sync(w, Math.min(w.pos, from), final);
    for (;;) {
      const at = marks.next(from);
      if (at < 0) {
        this.#scanFrom = base + marks.resume;
        return -1;
      }
      switch (marks.kind) {
        case 'start':
          this.#boundKind = 'start';
          return base + at;
        case 'end':
          if (ends) {
            this.#boundKind = 'end';
            return base + at;
          }
          break;
        case 'eventId':
          if (this.#eventIds === 0) this.#eventIdAt = base + at;
          this.#eventIds += 1;
          break;
      }
      from = at + 1;
    }
  }

  #event(final: boolean): boolean {
    const at = this.#scanBoundary(final, true);
    const s = this.#start;
    const max = this.#max;
    if (at >= 0) {
      this.#boundAt = at;
      if (this.#boundKind === 'end') {
        const end = at + END_TAG.length;
        return end - s <= max ? this.#emitEvent(end) : this.#oversize();
      }
      return at - s <= max ? this.#unclosed(at) : this.#oversize();
    }
    const windowEnd = this.#w.base + this.#w.bytes.length;
    if (windowEnd - s >= max + END_TAG.length) return this.#oversize();
    if (!final) return false;
    return windowEnd - s <= max ? this.#unclosed(windowEnd) : this.#oversize();
  }

  /** Delivers [#start, endAbs). `knownIds`: the `<EventID` count covers exactly this event (not so for a self-closed start). */
  #emitEvent(endAbs: number, knownIds = true): boolean {
    const base = this.#w.base;
    const eventIdAt = knownIds && this.#eventIds === 1 ? this.#eventIdAt - base : -1;
    this.#sink.event(this.#w.bytes, this.#marks, this.#start - base, endAbs - base, this.#start, eventIdAt);
    this.#w.pos = endAbs - base;
    this.#mode = 'between';
    return true;
  }

  /** No `</Event>` before `stop` (the next start or the end of input): a self-closing `<Event/>`, a spaced end tag, or unclosed. */
  #unclosed(stop: number): boolean {
    const base = this.#w.base;
    // Only [start, stop) is searched: successive unclosed events cover disjoint ranges, so hostile input stays linear.
    const own = this.#w.bytes.subarray(this.#start - base, stop - base);
    const tagEnd = own.indexOf(0x3e);
    if (tagEnd > 0 && own[tagEnd - 1] === 0x2f) return this.#emitEvent(this.#start + tagEnd + 1, false);
    // `</Event >`: whitespace before `>` is legal XML, just never written by Windows, so it is only looked for here.
    for (let k = own.indexOf(END_TAG_OPEN); k >= 0; k = own.indexOf(END_TAG_OPEN, k + 1)) {
      let j = k + END_TAG_OPEN.length;
      while (j < own.length && isSpace(own[j])) j += 1;
      if (j > k + END_TAG_OPEN.length && own[j] === 0x3e) return this.#emitEvent(this.#start + j + 1, false);
    }
    const excerpt = this.#text(this.#start, Math.min(stop, this.#start + EXCERPT_BYTES));
    const where = stop === base + this.#w.bytes.length ? 'before the end of the input' : `before the next <Event at byte offset ${stop}`;
    this.#report('unclosed-event', excerpt, `<Event> not closed by </Event> ${where}`);
    this.#w.pos = stop - base;
    this.#mode = 'between';
    return true;
  }

  #oversize(): boolean {
    const excerpt = this.#text(this.#start, this.#start + Math.min(EXCERPT_BYTES, this.#max));
    this.#report('oversize-event', excerpt, `event larger than the ${this.#max}-byte limit; skipped to its end`);
    this.#mode = 'skip';
    return true;
  }

  /** After an oversize start: discard bytes until its `</Event>` or the next start, keeping only what the search needs. */
  #skip(final: boolean): boolean {
    const at = this.#boundAt >= 0 ? this.#boundAt : this.#scanBoundary(final, true);
    if (at >= 0) {
      this.#w.pos = at - this.#w.base + (this.#boundKind === 'end' ? END_TAG.length : 0);
      this.#mode = 'between';
      return true;
    }
    if (final) {
      this.#w.pos = this.#w.bytes.length;
      this.#mode = 'between';
      return false;
    }
    this.#w.pos = Math.max(this.#w.pos, this.#scanFrom - this.#w.base);
    return false;
  }

  #beginStray(p: number): boolean {
    this.#mark(p);
    this.#silent = false;
    // The run's first byte is not an event start: the next one may begin right after it.
    this.#scanFrom = this.#start + 1;
    this.#mode = 'stray';
    return true;
  }

  /** Inside a run of stray bytes: it ends at the next event start and is reported once, with its first bytes. */
  #stray(final: boolean): boolean {
    const next = this.#scanBoundary(final, false);
    const windowEnd = this.#w.base + this.#w.bytes.length;
    const stop = next >= 0 ? next : final ? windowEnd : -1;
    if (stop >= 0) {
      this.#excerpt ??= this.#text(this.#start, Math.min(stop, this.#start + EXCERPT_BYTES)).trimEnd();
      if (!this.#silent) this.#report('stray-content', this.#excerpt, `${stop - this.#start} bytes that are not an <Event> element`);
      this.#w.pos = stop - this.#w.base;
      this.#mode = 'between';
      return next >= 0;
    }
    if (this.#excerpt === undefined && windowEnd - this.#start >= EXCERPT_BYTES) {
      this.#excerpt = this.#text(this.#start, this.#start + EXCERPT_BYTES).trimEnd();
    }
    // Until the excerpt is taken the run's first bytes are kept; after that only what the search needs.
    if (this.#excerpt !== undefined) this.#w.pos = Math.max(this.#w.pos, this.#scanFrom - this.#w.base);
    return false;
  }

  #beginConstruct(p: number, skip: number, terminator: NeedleSearch, length: number): boolean {
    this.#mark(p);
    this.#terminator = terminator;
    this.#terminatorLength = length;
    this.#termFrom = this.#start + skip;
    this.#mode = 'construct';
    return true;
  }

  /** A wrapper tag, declaration or comment between events: skipped whole, or treated as stray bytes when unterminated. */
  #construct(final: boolean): boolean {
    const base = this.#w.base;
    const length = this.#terminatorLength;
    const k = this.#terminator.find(this.#w.bytes, base, this.#termFrom);
    if (k >= 0 && k + length - this.#start <= this.#max) {
      this.#w.pos = k + length - base;
      this.#mode = 'between';
      return true;
    }
    if (k >= 0 || base + this.#w.bytes.length - this.#start > this.#max + length || final) return this.#beginStray(this.#w.pos);
    return false;
  }

  #beginDoctype(p: number): boolean {
    this.#mark(p);
    this.#doctype = new DoctypeSkipper(this.#start + DOCTYPE.length);
    this.#mode = 'doctype';
    return true;
  }

  /** A DTD is reported, never read: its end is found by a quote- and bracket-aware scan, bounded by maxEventBytes. */
  #doctypeStep(final: boolean): boolean {
    const skipper = this.#doctype as DoctypeSkipper;
    const w = this.#w.bytes;
    const base = this.#w.base;
    const limit = this.#start + this.#max;
    const end = skipper.scan(w, base, limit);
    const windowEnd = base + w.length;
    if (end < 0 && windowEnd < limit && !final) return false;
    const stop = end >= 0 ? end : final ? windowEnd : limit;
    const excerpt = this.#text(this.#start, Math.min(stop, this.#start + EXCERPT_BYTES));
    const unterminated = final && windowEnd < limit ? 'not closed before the end of the input' : `unterminated within ${this.#max} bytes`;
    const ending = end >= 0 ? `${stop - this.#start} bytes skipped` : `${unterminated}; skipped to the next <Event`;
    this.#report('forbidden-dtd', excerpt, `<!DOCTYPE> is not allowed (DTDs and entities are never expanded); ${ending}`);
    this.#doctype = undefined;
    if (end >= 0) {
      this.#w.pos = stop - base;
      this.#mode = 'between';
      return true;
    }
    // Resynchronise silently at the next start: the rest of the DTD belongs to the problem just reported.
    this.#beginStray(this.#w.pos);
    this.#excerpt = '';
    this.#silent = true;
    return true;
  }

  #report(reason: ProblemReason, excerpt: string, detail: string): void {
    this.#sink.problem(reason, this.#start, this.#line(), excerpt, detail);
  }

  #text(from: number, to: number): string {
    return this.#w.text(from, to);
  }
}
