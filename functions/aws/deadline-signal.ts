/**
 * An AbortSignal that fires DEADLINE_RESERVE_MS before the Lambda deadline, so a scan stops at an event boundary with
 * enough time left to write its checkpoint and ledger entry.
 */

/** The part of the Lambda context this needs. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** A deadline signal and the function that releases its timer. */
export interface Deadline {
  signal: AbortSignal;
  /** Milliseconds until the signal fires, as computed at creation. */
  budgetMs: number;
  dispose(): void;
}

/** Starts the deadline timer for this invocation. */
export function deadlineSignal(context: RemainingTime, reserveMs: number): Deadline {
  const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - reserveMs);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`Lambda deadline in ${reserveMs} ms`)), budgetMs);
  // Never keep a local process alive just for this timer.
  timer.unref();
  return { signal: controller.signal, budgetMs, dispose: () => clearTimeout(timer) };
}
