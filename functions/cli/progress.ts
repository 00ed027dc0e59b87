/** A one-line progress bar on stderr, redrawn at most 10 times a second; only when stderr is a terminal. */

/** Draws progress of bytes read against the total. */
export class ProgressBar {
  #last = 0;
  #drawn = false;
  readonly #total: number;
  readonly #stream: NodeJS.WriteStream;
  readonly #started = Date.now();

  constructor(total: number, stream: NodeJS.WriteStream) {
    this.#total = total;
    this.#stream = stream;
  }

  /** Redraws if 100 ms passed since the last draw. */
  update(done: number, label: string): void {
    const now = Date.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const width = 30;
    const ratio = this.#total > 0 ? Math.min(1, done / this.#total) : 0;
    const filled = Math.round(ratio * width);
    const seconds = Math.max(0.001, (now - this.#started) / 1000);
    const mbps = done / 1e6 / seconds;
    const columns = this.#stream.columns ?? 100;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${mbps.toFixed(1)} MB/s ${label}`;
    this.#stream.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
    this.#drawn = true;
  }

  /** Clears the bar's line. */
  clear(): void {
    if (!this.#drawn) return;
    const columns = this.#stream.columns ?? 100;
    this.#stream.write(`\r${' '.repeat(columns - 1)}\r`);
    this.#drawn = false;
  }
}
