/**
 * The bytes the XML framer scans: a window over the stream that slides forward chunk by chunk. Large chunks are scanned
 * in place; only the bytes that straddle two chunks (the end of one event and the start of the next) are copied, into a
 * small bridge. Small chunks are appended to a buffer the window owns, each byte copied about once. Positions kept by
 * the scanner are absolute stream offsets, so they stay valid whichever buffer currently holds the bytes.
 */
import { Buffer } from 'node:buffer';
import { LineCounter, type NewlineCount } from './xml-lines.ts';

/** Input chunks at least this large are used in place; only the few bytes that straddle into them are copied. */
const ADOPT_MIN_CHUNK = 64 * 1024;
const BRIDGE_BYTES = 16 * 1024;
/**
 * The most the window takes in at once (see push). 256 KiB: with reads straight into the kernel's memory a piece is scanned
 * where it lies, and fewer, larger pieces cost less per byte (64 KiB, best while every piece was copied into the kernel,
 * now measured ~1.5% slower; a copied piece still stays within the core's cache).
 */
const PIECE_BYTES = 256 * 1024;

/**
 * The most bytes a window holds when the scanner keeps at most `kept` bytes across pushes: those, plus one piece (a bridge is
 * smaller). The XML framer keeps less than its largest event plus a tag.
 */
export function largestWindow(kept: number): number {
  return kept + PIECE_BYTES;
}

/** A sliding window over a byte stream. The scanner reads `bytes`, `base`, and moves `pos` forward. */
export class ScanWindow {
  /** The bytes in view; `base` is the absolute offset of the first, `pos` the first one still needed. */
  bytes: Buffer = Buffer.alloc(0);
  base = 0;
  pos = 0;
  readonly #lines: LineCounter;
  /** A buffer the window owns and reuses for bytes that straddle chunks. */
  #spare: Buffer = Buffer.alloc(0);
  /** Counts the changes of `bytes`: what was found in them is valid while it stays the same. */
  version = 0;

  /** `count`: a faster way to count the newlines of bytes in view, where it can (see LineCounter). */
  constructor(count?: NewlineCount) {
    this.#lines = new LineCounter(count);
  }

  /** Takes the next chunk and runs `scan` over what is now in view (twice when a bridge is scanned first). */
  push(chunk: Uint8Array, scan: () => void): void {
    // Large chunks are taken a piece at a time, so the framer's copy of the window (xml-tag-marks.ts) stays in the cache.
    // A piece ends after a newline where there is one, so in one-event-per-line logs no event straddles two pieces and
    // the next piece is taken as it is, without a bridge (whose bytes would be copied twice).
    let at = 0;
    while (at < chunk.length) {
      let end = Math.min(chunk.length, at + PIECE_BYTES);
      if (end < chunk.length) {
        const newline = chunk.lastIndexOf(0x0a, end - 1);
        if (newline >= at) end = newline + 1;
      }
      this.#push(chunk.subarray(at, end), scan);
      at = end;
    }
  }

  #push(chunk: Uint8Array, scan: () => void): void {
    if (chunk.length === 0) return;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const kept = this.bytes.length - this.pos;
    if (kept === 0) {
      this.#replace(bytes, this.base + this.bytes.length, 0);
    } else if (bytes.length >= ADOPT_MIN_CHUNK && kept <= BRIDGE_BYTES) {
      this.#bridge(bytes, scan);
    } else {
      this.#append(bytes);
    }
    scan();
  }

  /** The 1-based line of absolute offset `at` (not before an offset asked for earlier). */
  lineAt(at: number): number {
    return this.#lines.lineAt(this.bytes, this.base, at);
  }

  /** UTF-8 text of absolute [from, to), clipped to the bytes in view. */
  text(from: number, to: number): string {
    const start = Math.max(from - this.base, 0);
    const end = Math.min(to - this.base, this.bytes.length);
    return this.bytes.toString('utf8', start, Math.max(start, end));
  }

  /** Scans the kept bytes plus the chunk's head from a small copy, then moves onto the chunk itself. */
  #bridge(chunk: Buffer, scan: () => void): void {
    const chunkBase = this.base + this.bytes.length;
    const kept = this.bytes.length - this.pos;
    // The bridge may be built in the very buffer that holds the current window (after an append): count the window's
    // newlines before its bytes are overwritten, or the line numbers would depend on where the chunks split.
    this.#lines.advance(this.bytes, this.base, this.base + this.pos);
    const head = Math.min(chunk.length, BRIDGE_BYTES);
    const bridge = this.#spareOf(kept + head);
    this.bytes.copy(bridge, 0, this.pos);
    chunk.copy(bridge, kept, 0, head);
    this.#replace(bridge.subarray(0, kept + head), this.base + this.pos, 0);
    scan();
    const pos = this.base + this.pos;
    if (pos >= chunkBase) this.#replace(chunk, chunkBase, pos - chunkBase);
    // Still inside what straddled: one contiguous copy of the kept bytes and the rest of the chunk.
    else this.#append(chunk.subarray(head));
  }

  #replace(bytes: Buffer, base: number, pos: number): void {
    // Newlines before the new start are counted while their bytes are still in view.
    this.#lines.advance(this.bytes, this.base, base + pos);
    this.bytes = bytes;
    this.version += 1;
    this.base = base;
    this.pos = pos;
  }

  #spareOf(size: number): Buffer {
    if (this.#spare.length < size) this.#spare = Buffer.allocUnsafe(Math.max(size, this.#spare.length * 2, BRIDGE_BYTES * 4));
    return this.#spare;
  }

  /** Appends a chunk after the bytes still needed, in the owned buffer (moved to its front, or copied to a larger one). */
  #append(chunk: Buffer): void {
    const kept = this.bytes.length - this.pos;
    const base = this.base + this.pos;
    this.#lines.advance(this.bytes, this.base, base);
    const needed = kept + chunk.length;
    const inSpare = this.#spare.length > 0 && this.bytes.buffer === this.#spare.buffer;
    if (inSpare && needed <= this.#spare.length) {
      const from = this.bytes.byteOffset - this.#spare.byteOffset;
      this.#spare.copy(this.#spare, 0, from + this.pos, from + this.bytes.length);
    } else {
      const old = this.bytes;
      const from = this.pos;
      if (this.#spare.length < needed) this.#spare = Buffer.allocUnsafe(Math.max(needed, this.#spare.length * 2, BRIDGE_BYTES * 4));
      old.copy(this.#spare, 0, from);
    }
    chunk.copy(this.#spare, kept);
    this.bytes = this.#spare.subarray(0, needed);
    this.version += 1;
    this.base = base;
    this.pos = 0;
  }
}
