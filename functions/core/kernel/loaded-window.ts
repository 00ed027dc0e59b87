/**
 * A reader window searched by the scan kernel: bound to each record's window cheaply, copied into the kernel only when a
 * search is first asked of it (a record the prefilter settles without searching costs no copy).
 */
import type { WindowSearch } from '../read/raw-event.ts';
import { ScanKernel, type SearchPattern } from './scan-kernel.ts';

/** WindowSearch over whole windows, by window index. */
export class LoadedWindow implements WindowSearch {
  readonly #kernel = new ScanKernel();
  #window: Uint8Array = new Uint8Array(0);
  #loaded: Uint8Array | undefined;
  #lastStart = -1;

  /**
   * Makes `window` the one searched. A new window object is copied in on the next search; so is the same object seen again
   * from an earlier record start (a buffer refilled in place).
   */
  bind(window: Uint8Array, start: number): this {
    if (window !== this.#window || start < this.#lastStart) {
      this.#window = window;
      this.#loaded = undefined;
    }
    this.#lastStart = start;
    return this;
  }

  find(literal: string, fold: boolean, from: number, to: number): number {
    return this.#load().find(literal, fold, from, to);
  }

  findAll(patterns: readonly SearchPattern[], from: number, to: number, visit: (at: number, which: number) => void): void {
    this.#load().findAll(patterns, from, to, visit);
  }

  #load(): ScanKernel {
    if (this.#loaded !== this.#window) {
      this.#kernel.load(this.#window);
      this.#loaded = this.#window;
    }
    return this.#kernel;
  }
}
