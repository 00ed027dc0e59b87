/**
 * Finding where a `<!DOCTYPE …>` ends without interpreting it: `>` closes it only outside quotes, outside the internal
 * subset `[…]` and outside comments, so entity values such as `"<Event …>"` or `"a>b"` do not end it early. The scan is
 * a byte state machine (no recursion, no regex) that resumes where it stopped when more bytes arrive.
 */
import { Buffer } from 'node:buffer';

const COMMENT_END = Buffer.from('-->', 'latin1');

type State = 'markup' | 'quote' | 'comment';

/** Scans one DOCTYPE declaration incrementally. */
export class DoctypeSkipper {
  #at: number;
  #state: State = 'markup';
  #quote = 0;
  #subset = false;

  /** `from`: absolute offset just after `<!DOCTYPE`. */
  constructor(from: number) {
    this.#at = from;
  }

  /** Absolute offset just after the declaration's `>`, or -1 when it does not end before `limit` or the window's end. */
  scan(window: Buffer, base: number, limit: number): number {
    const stop = Math.min(window.length, limit - base);
    let i = Math.max(this.#at - base, 0);
    while (i < stop) {
      if (this.#state === 'comment') {
        const k = window.indexOf(COMMENT_END, i);
        if (k < 0 || k + COMMENT_END.length > stop) {
          i = Math.max(i, Math.min(stop, window.length - (COMMENT_END.length - 1)));
          break;
        }
        i = k + COMMENT_END.length;
        this.#state = 'markup';
        continue;
      }
      const c = window[i];
      if (this.#state === 'quote') {
        if (c === this.#quote) this.#state = 'markup';
        i += 1;
        continue;
      }
      if (c === 0x22 || c === 0x27) {
        this.#state = 'quote';
        this.#quote = c;
      } else if (c === 0x5b) {
        this.#subset = true;
      } else if (c === 0x5d) {
        this.#subset = false;
      } else if (c === 0x3e && !this.#subset) {
        this.#at = base + i + 1;
        return this.#at;
      } else if (c === 0x3c && this.#subset) {
        // `<!--` needs three more bytes to be recognised: wait for them rather than guess.
        if (i + 4 > window.length) break;
        if (window[i + 1] === 0x21 && window[i + 2] === 0x2d && window[i + 3] === 0x2d) {
          this.#state = 'comment';
          i += 4;
          continue;
        }
      }
      i += 1;
    }
    this.#at = base + i;
    return -1;
  }
}
