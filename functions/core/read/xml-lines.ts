/**
 * Line numbers for a byte stream scanned window by window. Every newline must be counted before its bytes leave the window,
 * but a line is only asked for where an event is delivered or a problem reported (a small share of events): so newlines are
 * counted in bulk, by the scan kernel over its copy of the window where it holds the bytes, and otherwise found one by one
 * with Buffer.indexOf (remembering the next one, so each is found once).
 */
import type { Buffer } from 'node:buffer';

/**
 * Counts the `\n` in window indices [from, to) of the window whose bytes are `window`, or returns -1 when it cannot (the
 * bytes are not where it looks).
 */
export type NewlineCount = (window: Buffer, from: number, to: number) => number;

/** Counts `\n` up to increasing absolute offsets. The bytes from the last offset asked for must still be in the window. */
export class LineCounter {
  /** 1-based line of absolute offset `#at`. */
  #line = 1;
  #at = 0;
  /** The next newline at or after `#at` (absolute), or -1 when unknown. */
  #nextNewline = -1;
  /** When `#nextNewline` is unknown: there is no newline in [#at, #searchedTo). */
  #searchedTo = 0;
  readonly #count: NewlineCount | undefined;

  constructor(count?: NewlineCount) {
    this.#count = count;
  }

  /** Counts the newlines before absolute offset `to`; `window` holds the bytes from `base`. */
  advance(window: Buffer, base: number, to: number): void {
    if (to <= this.#at) return;
    const counted = this.#count === undefined ? -1 : this.#count(window, this.#at - base, to - base);
    if (counted >= 0) {
      this.#line += counted;
      this.#at = to;
      this.#nextNewline = -1;
      this.#searchedTo = to;
      return;
    }
    for (;;) {
      if (this.#nextNewline < 0) {
        const from = Math.max(this.#at, this.#searchedTo);
        if (from >= to) break;
        const k = window.indexOf(0x0a, from - base);
        if (k < 0) {
          this.#searchedTo = base + window.length;
          break;
        }
        this.#nextNewline = base + k;
      }
      if (this.#nextNewline >= to) break;
      this.#line += 1;
      this.#at = this.#nextNewline + 1;
      this.#nextNewline = -1;
    }
    this.#at = to;
  }

  /** The 1-based line of absolute offset `at` (not before the last offset asked for). */
  lineAt(window: Buffer, base: number, at: number): number {
    this.advance(window, base, at);
    return this.#line;
  }
}
