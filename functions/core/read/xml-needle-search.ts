/**
 * A forward search for one needle that remembers its last answer. Callers ask with growing offsets (one construct after
 * another), so hostile input such as thousands of unterminated `<!--` cannot make every ask rescan the same bytes: each
 * byte is scanned about once per needle, whatever the number of asks.
 */
import type { Buffer } from 'node:buffer';

/** Finds the first occurrence of a needle at or after an absolute offset, in a window that slides forward. */
export class NeedleSearch {
  readonly #needle: Buffer;
  /** Absolute offset of the last occurrence found, or -1. */
  #found = -1;
  /** No occurrence starts in [#clearFrom, #clearTo). */
  #clearFrom = 0;
  #clearTo = 0;

  constructor(needle: Buffer) {
    this.#needle = needle;
  }

  /** The first occurrence at or after `from` in `window` (which holds the bytes from absolute offset `base`), or -1. */
  find(window: Buffer, base: number, from: number): number {
    if (this.#found >= from) return this.#found;
    let scanFrom = from;
    if (from >= this.#clearFrom && from < this.#clearTo) scanFrom = this.#clearTo;
    const k = window.indexOf(this.#needle, Math.max(scanFrom - base, 0));
    if (k >= 0) {
      this.#found = base + k;
      return this.#found;
    }
    // A needle cut by the window's end may still complete: only the bytes before it are known clear.
    this.#clearFrom = from;
    this.#clearTo = Math.max(scanFrom, base + window.length - (this.#needle.length - 1));
    return -1;
  }
}
