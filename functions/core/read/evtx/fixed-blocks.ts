/**
 * Cuts a byte stream into fixed-size blocks (the EVTX file header, then 64 KiB chunks) without buffering more
 * than one block. A block is a view into the source piece when the piece holds it whole, otherwise a copy
 * into a buffer that is reused by the next call, so a block is valid only until the next `read`.
 */
import type { ByteChunks } from '../raw-event.ts';

/** Reads exact-size blocks from a byte stream; the last block may be short. */
export class FixedBlockReader {
  private readonly source: AsyncIterator<Uint8Array>;
  private piece: Uint8Array = new Uint8Array(0);
  private pieceOffset = 0;
  private done = false;
  private scratch: Uint8Array = new Uint8Array(0);
  /** Bytes pulled from the source so far. */
  bytesPulled = 0;

  constructor(chunks: ByteChunks) {
    this.source = chunks[Symbol.asyncIterator]();
  }

  /** The next `size` bytes; fewer only at the end of the stream, an empty array once it is exhausted. */
  async read(size: number): Promise<Uint8Array> {
    if (this.piece.length - this.pieceOffset >= size) return this.take(size);
    if (this.scratch.length < size) this.scratch = new Uint8Array(size);
    let filled = 0;
    for (;;) {
      const available = this.piece.length - this.pieceOffset;
      const n = Math.min(available, size - filled);
      if (n > 0) {
        this.scratch.set(this.piece.subarray(this.pieceOffset, this.pieceOffset + n), filled);
        this.pieceOffset += n;
        filled += n;
      }
      if (filled === size || !(await this.pull())) break;
      if (filled === 0 && this.piece.length >= size) return this.take(size);
    }
    return this.scratch.subarray(0, filled);
  }

  /** Stops the source (e.g. closes the S3 body) when the caller gives up early. */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.source.return?.();
    }
  }

  private take(size: number): Uint8Array {
    const block = this.piece.subarray(this.pieceOffset, this.pieceOffset + size);
    this.pieceOffset += size;
    return block;
  }

  private async pull(): Promise<boolean> {
    while (!this.done) {
      const next = await this.source.next();
      if (next.done === true) {
        this.done = true;
        return false;
      }
      if (next.value.length === 0) continue;
      this.piece = next.value;
      this.pieceOffset = 0;
      this.bytesPulled += next.value.length;
      return true;
    }
    return false;
  }
}
