/**
 * Errors that end a source for good (a permanently bad object, not worth retrying) mapped to a ledger reason. Anything else
 * is a bug or a transient I/O error and propagates, so the caller's retry policy applies.
 */
import { CorruptCompressionError, TooLargeError } from './read/decompress.ts';
import type { ProblemReason } from './read/raw-event.ts';

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
