/**
 * What makes a source `failed`: it was not read to its end, so events were lost — its compressed data (the object's own,
 * an archive's, or an archive member's) could not be decoded, a decompression limit was hit, or it is no log at all.
 * Errors that end a source for good (a permanently bad object, not worth retrying) and the problems that say a part of
 * it was lost map to a ledger reason. Any other error is a bug or a transient I/O error and propagates, so the caller's
 * retry policy applies.
 */
import { CorruptCompressionError, TooLargeError } from './read/decompress.ts';
import type { Problem, ProblemReason } from './read/raw-event.ts';

/** Why a source failed, for the ledger. */
export interface SourceFailure {
  reason: Extract<ProblemReason, 'corrupt-compression' | 'too-large' | 'unknown-format'>;
  message: string;
  offset?: number;
  entry?: string;
}

/** The ledger reason for a permanent failure, or undefined when the error is not one. */
export function classifyFailure(error: unknown): SourceFailure | undefined {
  if (error instanceof CorruptCompressionError) {
    return {
      reason: 'corrupt-compression',
      message: error.message,
      offset: error.offset,
      ...(error.entry === undefined ? {} : { entry: error.entry }),
    };
  }
  if (error instanceof TooLargeError) return { reason: 'too-large', message: error.message };
  return undefined;
}

/**
 * The failure a reported problem stands for, or undefined when the source can still end complete. A damaged archive
 * member (corrupt, truncated, or a method that cannot be decoded) comes as a problem because the archive's other members
 * may still read, but its events are lost like those after a cut in a plain .gz. An unknown format fails only the whole
 * object: an archive member that is no log (a README next to the logs) is not lost data.
 */
export function failureOfProblem(problem: Problem): SourceFailure | undefined {
  const { reason, message, location } = problem;
  switch (reason) {
    case 'corrupt-compression':
      return { reason, message, offset: location.offset, ...(location.entry === undefined ? {} : { entry: location.entry }) };
    case 'unknown-format':
      return location.entry === undefined ? { reason, message } : undefined;
    case 'too-large':
    case 'oversize-event':
    case 'malformed-event':
    case 'unclosed-event':
    case 'invalid-encoding':
    case 'forbidden-dtd':
    case 'stray-content':
    case 'invalid-json':
    case 'corrupt-evtx':
      return undefined;
  }
}
