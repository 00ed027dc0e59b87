/**
 * The one error type of the EVTX parser. It never escapes the reader: the reader turns it into a located
 * 'corrupt-evtx' problem and carries on with the next record or chunk.
 */

/** A structural fault in an EVTX file: what was being read, and the file offset where it went wrong. */
export class EvtxFormatError extends Error {
  override readonly name = 'EvtxFormatError';

  constructor(
    /** Byte offset in the file (not the chunk) where the bad structure sits. */
    readonly offset: number,
    /** What the parser was reading, e.g. `template definition`, `substitution value 3`. */
    readonly reading: string,
    /** Why it failed, e.g. `ends past the chunk`. */
    readonly reason: string,
  ) {
    super(`${reading} at file offset ${offset}: ${reason}`);
  }
}
