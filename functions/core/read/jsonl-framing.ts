/**
 * Cuts a UTF-8 byte stream into JSON records without parsing them. Layouts:
 * - JSON lines: a line that starts with `{` and ends with `}` is one record, found with Buffer.indexOf(0x0a) alone;
 * - pretty-printed objects (jq, evtx_dump, Sigma regression data, PowerShell ConvertTo-Json): a line holding only `{`
 *   opens a record that a brace-depth scan (string-aware) closes; a `{` at column 0 while an object is still open means
 *   that object was cut short, so it becomes a problem and a new record starts there;
 * - a stream that is a JSON array of objects (pretty or not; `[` as the first content, or right after such an
 *   array closed): the array's brackets and the commas between elements are skipped;
 * - evtx_dump's `Record <n>` separator lines are skipped; blank lines, CR and a UTF-8 BOM are ignored.
 * Memory stays bounded: a record longer than `maxEventBytes` is reported and skipped without being buffered.
 */
import { Buffer } from 'node:buffer';
import { LoadedWindow } from '../kernel/loaded-window.ts';
import type { WindowSearch } from './raw-event.ts';

/** Longest excerpt handed to the quarantine. */
export const EXCERPT_CHARS = 200;

/** Receives records and framing problems, in stream order. */
export interface JsonFrameSink {
  /** A complete record: `window[start, end)` (`search` finds literals in it), valid only during the call. */
  record(window: Buffer, search: WindowSearch, start: number, end: number, offset: number, line: number): void;
  problem(reason: 'invalid-json' | 'oversize-event', offset: number, line: number, excerpt: string, detail: string): void;
}

type Mode = 'top' | 'object' | 'discard-line' | 'discard-object';

const isBlank = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const RECORD_SEPARATOR = Buffer.from('Record ');
/** The most the framer takes in at once, so the prefilter's copy of the window (loaded-window.ts) stays in the cache. */
const PIECE_BYTES = 64 * 1024;

/** Incremental JSON record framer: push chunks, then finish. */
export class JsonRecordFramer {
  private window: Buffer = Buffer.alloc(0);
  /** The window in the scan kernel, for the prefilter's searches; copied only when one is asked. */
  private readonly search = new LoadedWindow();
  /** Stream offset of window[0]. */
  private base = 0;
  /** Next unexamined index (top and discard modes) or the open record's start (object mode). */
  private pos = 0;
  /** Line number at `pos` (top) or at `scan` (object modes). */
  private line = 1;
  private mode: Mode = 'top';
  private inArray = false;
  /** A `[` opens an array only as the stream's first content or right after an array closed. */
  private arrayAllowed = true;
  private arrayOffset = 0;
  private arrayLine = 0;
  // Object scan state.
  private scan = 0;
  private startLine = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private readonly maxEventBytes: number;

  constructor(
    private readonly sink: JsonFrameSink,
    options: { maxEventBytes: number },
  ) {
    this.maxEventBytes = options.maxEventBytes;
  }

  /** Bytes held between pushes: at most one unfinished record (bounded by maxEventBytes) plus one chunk. */
  get bufferedBytes(): number {
    return this.window.length;
  }

  /**
   * Frames what a new chunk completes, a piece at a time; a piece ends after a newline where there is one, so in JSON lines
   * no record straddles two pieces and a piece is framed in place, not copied behind the rest of the previous one.
   */
  push(chunk: Uint8Array): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    while (at < bytes.length) {
      let end = Math.min(bytes.length, at + PIECE_BYTES);
      if (end < bytes.length) {
        const newline = bytes.lastIndexOf(0x0a, end - 1);
        if (newline >= at) end = newline + 1;
      }
      const piece = bytes.subarray(at, end);
      this.window = this.window.length === 0 ? piece : Buffer.concat([this.window, piece]);
      this.run(false);
      this.compact();
      at = end;
    }
  }

  /** Frames the rest at the end of the stream. */
  finish(): void {
    this.run(true);
    if (this.mode === 'object') {
      this.sink.problem('invalid-json', this.base + this.pos, this.startLine, this.excerpt(this.pos, this.window.length), 'the stream ends inside a JSON object');
    }
    if (this.inArray) this.sink.problem('invalid-json', this.arrayOffset, this.arrayLine, '[', 'the stream ends inside the JSON array opened here');
    this.window = Buffer.alloc(0);
  }

  private compact(): void {
    const keep = this.mode === 'object' ? this.pos : Math.min(this.pos, this.window.length);
    if (keep === 0) return;
    this.window = this.window.subarray(keep);
    this.base += keep;
    this.pos -= keep;
    this.scan -= keep;
  }

  private run(final: boolean): void {
    for (;;) {
      const progressed =
        this.mode === 'top' ? this.top(final) : this.mode === 'object' ? this.object(final) : this.mode === 'discard-line' ? this.discardLine() : this.object(final);
      if (!progressed) return;
    }
  }

  /** Between records. Returns false when it needs more input. */
  private top(final: boolean): boolean {
    const w = this.window;
    let i = this.pos;
    while (i < w.length && (isBlank(w[i]) || (this.inArray && w[i] === 0x2c))) {
      if (w[i] === 0x0a) this.line++;
      i++;
    }
    if (i === 0 && this.base === 0 && w[0] === 0xef && w[1] === 0xbb && w[2] === 0xbf) {
      this.pos = 3;
      return true;
    }
    this.pos = i;
    if (i >= w.length) return false;
    const c = w[i];
    // Array elements are framed by their braces alone: a minified array is one long line of small records.
    if (c === 0x7b && this.inArray) {
      this.openObject(i);
      return true;
    }
    if (c === 0x5b && !this.inArray && this.arrayAllowed) {
      this.inArray = true;
      this.arrayOffset = this.base + i;
      this.arrayLine = this.line;
      this.pos = i + 1;
      return true;
    }
    if (c === 0x5d && this.inArray) {
      this.inArray = false;
      this.arrayAllowed = true;
      this.pos = i + 1;
      return true;
    }
    this.arrayAllowed = false;
    const newline = w.indexOf(0x0a, i);
    if (newline === -1 && !final) return this.waitForLine(i);
    const lineEnd = newline === -1 ? w.length : newline;
    if (c === 0x7b) {
      let last = lineEnd - 1;
      while (last > i && isBlank(w[last])) last--;
      if (w[last] === 0x7d) {
        this.emit(i, last + 1, this.line);
        this.pos = last + 1;
        return true;
      }
      // A line holding only `{` opens a pretty-printed object (every pretty-printer starts so): scan its braces.
      // Nothing else does, so a truncated JSON line stays one problem and never swallows the lines after it.
      if (last === i) {
        this.openObject(i);
        return true;
      }
    } else if (w.subarray(i, i + RECORD_SEPARATOR.length).equals(RECORD_SEPARATOR) && /^Record \d+\s*$/.test(w.toString('latin1', i, lineEnd))) {
      this.pos = lineEnd;
      return true;
    }
    const what = c === 0x7b ? 'a line that starts a JSON object but does not end it' : 'a line that is not a JSON object';
    this.sink.problem('invalid-json', this.base + i, this.line, this.excerpt(i, lineEnd), what);
    this.pos = lineEnd;
    return true;
  }

  /** No newline yet: wait, unless the line is already too long to be a record. */
  private waitForLine(i: number): boolean {
    if (this.window.length - i <= this.maxEventBytes) return false;
    this.sink.problem('oversize-event', this.base + i, this.line, this.excerpt(i, this.window.length), `record over the ${this.maxEventBytes}-byte limit (a line of more than ${this.maxEventBytes} bytes); skipped to the next line`);
    this.pos = this.window.length;
    this.mode = 'discard-line';
    return false;
  }

  private discardLine(): boolean {
    const newline = this.window.indexOf(0x0a, this.pos);
    if (newline === -1) {
      this.pos = this.window.length;
      return false;
    }
    this.pos = newline;
    this.mode = 'top';
    return true;
  }

  private openObject(start: number): void {
    this.mode = 'object';
    this.pos = start;
    this.scan = start;
    this.startLine = this.line;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Brace-depth scan of an open object (object and discard-object modes). Returns false when it needs more input. */
  private object(final: boolean): boolean {
    const w = this.window;
    const discarding = this.mode === 'discard-object';
    let i = this.scan;
    for (; i < w.length; i++) {
      const b = w[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) this.inString = false;
        else if (b === 0x0a) return this.cutShort(i, 'a line break inside a JSON string');
        continue;
      }
      if (b === 0x22) this.inString = true;
      else if (b === 0x7b || b === 0x5b) this.depth++;
      else if (b === 0x7d || b === 0x5d) {
        if (--this.depth === 0) {
          if (!discarding) this.emit(this.pos, i + 1, this.startLine);
          this.mode = 'top';
          this.pos = i + 1;
          return true;
        }
      } else if (b === 0x0a) {
        if (i + 1 >= w.length && !final) break;
        if (w[i + 1] === 0x7b && !this.inArray) return this.cutShort(i, 'a new object starts at column 0 before this one closed');
        this.line++;
      }
      if (!discarding && i - this.pos >= this.maxEventBytes) {
        this.sink.problem('oversize-event', this.base + this.pos, this.startLine, this.excerpt(this.pos, i), `record over the ${this.maxEventBytes}-byte limit (a JSON object of more than ${this.maxEventBytes} bytes); skipped`);
        this.mode = 'discard-object';
        this.scan = i + 1;
        this.pos = i + 1;
        return true;
      }
    }
    this.scan = i;
    if (discarding) this.pos = i;
    return false;
  }

  /** The open object is broken at `i` (a newline): report it and resume framing at that line break. */
  private cutShort(i: number, why: string): boolean {
    if (this.mode === 'object') {
      this.sink.problem('invalid-json', this.base + this.pos, this.startLine, this.excerpt(this.pos, i), `invalid JSON object: ${why}`);
    }
    this.mode = 'top';
    this.pos = i;
    return true;
  }

  private emit(start: number, end: number, line: number): void {
    if (end - start > this.maxEventBytes) {
      this.sink.problem('oversize-event', this.base + start, line, this.excerpt(start, end), `record over the ${this.maxEventBytes}-byte limit (${end - start} bytes); skipped`);
      return;
    }
    this.sink.record(this.window, this.search.bind(this.window, start), start, end, this.base + start, line);
  }

  private excerpt(start: number, end: number): string {
    return this.window.toString('utf8', start, Math.min(end, start + EXCERPT_CHARS * 4)).slice(0, EXCERPT_CHARS);
  }
}
