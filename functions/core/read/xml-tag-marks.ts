/**
 * The XML framer's tag search: the window's bytes are loaded into a scan kernel once per window (from the first byte still
 * needed; copied, or taken where they lie when they were read into the kernel's own buffers), the kernel lists every
 * `<Event` start, `</Event>` and `<EventID` tag in them, and the framer reads that list with a forward cursor or has the
 * kernel take the run of events from it. The same bytes answer the prefilter's literal searches (WindowSearch) and the line
 * counter, so no latin1 string is built.
 */
import type { Buffer } from 'node:buffer';
import { ScanKernel, type SearchPattern, type TagKind } from '../kernel/scan-kernel.ts';
import type { WindowSearch, XmlTriageRules } from './raw-event.ts';
import type { ScanWindow } from './xml-scan-window.ts';

/** Tag marks of the current window, read in order. Indices are window indices (`ScanWindow.bytes`). */
export class TagMarks implements WindowSearch {
  readonly #kernel: ScanKernel;
  #window: ScanWindow | undefined;
  #version = -1;
  #final = false;
  /** Window index of the kernel's input index 0. */
  #origin = 0;
  /** The next unread mark of the kernel's last answer, and the input index that answer starts from. */
  #next = 0;
  #batchFrom = 0;
  /** Kind of the mark `next` returned last. */
  kind: TagKind = 'start';
  /** After `next` returned -1: the window index to search from once more bytes arrived. */
  resume = 0;

  /** `markCapacity`: marks per kernel call (tests make it small to exercise the refills). */
  constructor(markCapacity?: number) {
    this.#kernel = new ScanKernel(markCapacity);
  }

  /** Makes the kernel hold the window's bytes from window index `from` on: once per window version and `final` flag. */
  sync(window: ScanWindow, from: number, final: boolean): void {
    if (window === this.#window && window.version === this.#version && final === this.#final && from >= this.#origin) return;
    this.#window = window;
    this.#version = window.version;
    this.#final = final;
    this.#load(from);
  }

  /**
   * The window index of the first mark at or after window index `from` (its kind in `kind`), or -1 (see `resume`). Asking
   * for an earlier position than the last answer is allowed (the framer's run of events reads ahead, then hands an event
   * it cannot take to the general path, which reads its marks again).
   */
  next(from: number): number {
    const kernel = this.#kernel;
    const rel = from - this.#origin;
    if (rel < this.#batchFrom) {
      kernel.findMarks(Math.max(rel, 0), this.#final);
      this.#batchFrom = Math.max(rel, 0);
      this.#next = 0;
    } else {
      while (this.#next > 0 && kernel.markAt(this.#next - 1) >= rel) this.#next -= 1;
    }
    for (;;) {
      while (this.#next < kernel.markCount) {
        const at = kernel.markAt(this.#next);
        if (at >= rel) {
          this.kind = kernel.kindAt(this.#next);
          return at + this.#origin;
        }
        this.#next += 1;
      }
      // The kernel stopped at a mark that did not fit: ask again from there. Otherwise it is done with these bytes.
      if (kernel.markCount === kernel.capacity && kernel.resume < kernel.length) {
        this.#batchFrom = Math.max(kernel.resume, rel);
        kernel.findMarks(this.#batchFrom, this.#final);
        this.#next = 0;
        continue;
      }
      this.resume = Math.max(kernel.resume, rel) + this.#origin;
      return -1;
    }
  }

  /** The EventIDs `run` delivers (ScanKernel.setRunIds; with more than its table holds, `run` takes no events). */
  setRunIds(ids: ReadonlySet<number> | undefined): void {
    this.#kernel.setRunIds(ids);
  }

  /** Buffers in the kernel's memory, scanned without a copy (ScanKernel.residentBuffers). */
  residentBuffers(count: number, bytes: number, maxInput: number): Buffer[] {
    return this.#kernel.residentBuffers(count, bytes, maxInput);
  }

  /** The rules `run` settles process events by (ScanKernel.setTriage). */
  setTriage(rules: XmlTriageRules | undefined): void {
    this.#kernel.setTriage(rules);
  }

  /** After `run`: events only counted, and the event it stopped at (window indices; -1 when it stopped at something else). */
  runSkipped = 0;
  runEnd = -1;
  runIdAt = -1;
  /** After `run`: how many process events it settled; settledAt(i) is the window index of each one's start. */
  runSettled = 0;

  settledAt(i: number): number {
    return this.#kernel.settledAt(i) + this.#origin;
  }

  /**
   * The kernel's run of complete events from window index `from` (xml-framing.ts #runOfEvents, scan-kernel.wat xmlRun) over
   * the marks it holds now: the window index where it stopped. Needs `sync` first.
   */
  run(from: number, max: number): number {
    const kernel = this.#kernel;
    const rel = from - this.#origin;
    this.runSkipped = 0;
    this.runEnd = -1;
    this.runIdAt = -1;
    this.runSettled = 0;
    if (!kernel.runs || rel < this.#batchFrom || rel > kernel.length) return from;
    while (this.#next > 0 && kernel.markAt(this.#next - 1) >= rel) this.#next -= 1;
    const stop = kernel.run(rel, this.#next, max);
    this.#next = kernel.runMark;
    this.runSkipped = kernel.runSkipped;
    this.runSettled = kernel.runSettled;
    if (kernel.runEnd >= 0) {
      this.runEnd = kernel.runEnd + this.#origin;
      this.runIdAt = kernel.runIdAt < 0 ? -1 : kernel.runIdAt + this.#origin;
    }
    return stop + this.#origin;
  }

  /**
   * How many `\n` window indices [from, to) of `bytes` hold, counted by the kernel when it holds them (the window it was
   * synced to, unchanged, from its origin on); else -1.
   */
  countNewlines(bytes: Uint8Array, from: number, to: number): number {
    const window = this.#window;
    if (window === undefined || window.bytes !== bytes || window.version !== this.#version || from < this.#origin) return -1;
    if (to - this.#origin > this.#kernel.length) return -1;
    return this.#kernel.countNewlines(from - this.#origin, to - this.#origin);
  }

  /** WindowSearch over the loaded bytes (reloaded from `from` if the caller asks about bytes before them). */
  find(literal: string, fold: boolean, from: number, to: number): number {
    if (from < this.#origin) this.#load(from);
    const at = this.#kernel.find(literal, fold, from - this.#origin, to - this.#origin);
    return at < 0 ? -1 : at + this.#origin;
  }

  /** WindowSearch over the loaded bytes, as `find`. */
  findAll(patterns: readonly SearchPattern[], from: number, to: number, visit: (at: number, which: number) => void): void {
    if (from < this.#origin) this.#load(from);
    const origin = this.#origin;
    this.#kernel.findAll(patterns, from - origin, to - origin, (at, which) => visit(at + origin, which));
  }

  #load(from: number): void {
    const window = this.#window as ScanWindow;
    this.#origin = Math.max(0, Math.min(from, window.bytes.length));
    // In place unless final: a final scan reads the bytes after the input as zeros (ScanKernel.load).
    this.#kernel.load(window.bytes.subarray(this.#origin), !this.#final);
    this.#kernel.findMarks(0, this.#final);
    this.#next = 0;
    this.#batchFrom = 0;
  }
}
