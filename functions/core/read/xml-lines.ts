/**
 * Line numbers for a byte stream scanned window by window: newlines are found with Buffer.indexOf, each one once, and the
 * next one is remembered, so asking for the line of every event start costs one native search per line overall.
 */
import type { Buffer } from 'node:buffer';

/** Counts `\n` up to increasing absolute offsets. The bytes from the last offset asked for must still be in the window. */
export class LineCounter {
  /** 1-based line of absolute offset `#at`. */
  #line = 1;
  #at = 0;
  /** The next newline at or after `#at` (absolute), or -1 when unknown. */
  #nextNewline = -1;
  /** When `#nextNewline` is unknown: there is no newline in [#at, #searchedTo). */
  #searchedTo = 0;

  /**
   * Counts the newlines before absolute offset `to`; `window` holds the bytes from `base`, and `text`, when given, is the
   * same bytes as a latin1 string (a string search costs far less per newline than a native Buffer call).
   */
  advance(window: Buffer, base: number, to: number, text?: string): void {
    if (to <= this.#at) return;
    for (;;) {
      if (this.#nextNewline < 0) {
        const from = Math.max(this.#at, this.#searchedTo);
        if (from >= to) break;
        const k = text === undefined ? window.indexOf(0x0a, from - base) : text.indexOf('\n', from - base);
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
  lineAt(window: Buffer, base: number, at: number, text?: string): number {
    this.advance(window, base, at, text);
    return this.#line;
  }
}
