/**
 * Runs async tasks one after another in arrival order (the local pipeline's stand-in for a queue and one function
 * instance), and tells when it has drained, including tasks added while draining.
 */

/** A FIFO of async tasks run one at a time. */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #onError: (error: unknown) => void;

  /** `onError` receives a task's failure; the queue carries on. */
  constructor(onError: (error: unknown) => void = (error) => process.stderr.write(`${String(error)}\n`)) {
    this.#onError = onError;
  }

  /** Appends a task. */
  push(task: () => Promise<void>): void {
    this.#pending += 1;
    this.#tail = this.#tail
      .then(task)
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#pending -= 1;
      });
  }

  /** Resolves once no task is queued or running. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }
}
