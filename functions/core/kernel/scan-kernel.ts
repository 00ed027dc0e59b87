/**
 * The typed front of the scan kernel (scan-kernel.wat): the XML framer's tag search and the prefilter's literal search, run
 * as WebAssembly SIMD over a copy of the reader's window. Measured on the bench corpus (one core): the tag search plus the
 * copy cost 0.17 CPU-s/GB where the V8 string search it replaces cost 0.33 with the latin1 string it needed.
 *
 * One kernel per reader: each owns its memory, so readers running side by side never see each other's bytes. Memory layout:
 * [patterns | marks | input + PAD zero bytes]; it grows with the largest input loaded and never shrinks (a reader's window is
 * bounded by its largest event plus one chunk).
 */
import { Buffer } from 'node:buffer';
import { SCAN_KERNEL_WASM } from './scan-kernel-wasm.ts';

/** A literal for findAny: its characters are bytes (latin1 code units); with `fold`, its ASCII letters match either case. */
export interface SearchPattern {
  readonly literal: string;
  readonly fold: boolean;
}

/** Most patterns one kernel findAny pass compares. */
const ANY_MAX = 4;

/** What a tag mark is: `<Event` + boundary, `</Event>`, or `<EventID` + boundary (xml-framing.ts). */
export type TagKind = 'start' | 'end' | 'eventId';

const KINDS: readonly TagKind[] = ['start', 'end', 'eventId'];

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs declare no WebAssembly values). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  count: { readonly value: number };
  which: { readonly value: number };
  xmlMarks(from: number, end: number, final: number, out: number, cap: number): number;
  find(from: number, to: number, pattern: number, length: number): number;
  findAny(from: number, to: number, table: number, count: number): number;
}

const PATTERN_BYTES = 16 * 1024;
/** Marks one kernel call may write; the framer asks again from where it stopped. */
const MARK_CAP = 8 * 1024;
const MARKS_AT = PATTERN_BYTES;
const INPUT_AT = MARKS_AT + MARK_CAP * 4;
/** Zero bytes after the input: the vector loads read up to 31 bytes past a range's end, and a zero byte matches nothing. */
const PAD = 32;
const PAGE = 64 * 1024;

let compiled: object | undefined;

function kernelModule(): object {
  compiled ??= new wasm.Module(Buffer.from(SCAN_KERNEL_WASM, 'base64'));
  return compiled;
}

/** A lower-case ASCII letter: the pattern bytes that match either case. */
function isLowerLetter(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/** One kernel instance: load an input, then ask for its tag marks and literal positions (indices into the input). */
export class ScanKernel {
  readonly #exports: KernelExports;
  #heap: Uint8Array;
  #marks: Int32Array;
  #length = 0;
  /** The findAny tables written, per pattern list (the callers keep theirs for good). */
  readonly #tables = new Map<readonly SearchPattern[], { generation: number; tables: number[] }>();
  /** Counts the times the pattern region was emptied: what was written before is gone. */
  #generation = 0;
  /** Where each literal's pattern lives, exact and folded. */
  readonly #patterns = { exact: new Map<string, number>(), folded: new Map<string, number>() };
  #patternEnd = 0;
  /** Marks of the last xmlMarks call: how many, and where the kernel stopped (an input index). */
  markCount = 0;
  resume = 0;

  constructor(markCapacity = MARK_CAP) {
    this.capacity = Math.max(1, Math.min(markCapacity, MARK_CAP));
    this.#exports = new wasm.Instance(kernelModule()).exports as KernelExports;
    this.#heap = new Uint8Array(this.#exports.memory.buffer);
    this.#marks = new Int32Array(this.#exports.memory.buffer);
    this.#ensure(INPUT_AT + PAD);
  }

  /** Most marks one findMarks call returns. */
  readonly capacity: number;

  /** Bytes of the input last loaded. */
  get length(): number {
    return this.#length;
  }

  /** Copies `bytes` in as the input (indices 0 … bytes.length), followed by the zero padding the searches rely on. */
  load(bytes: Uint8Array): void {
    this.#ensure(INPUT_AT + bytes.length + PAD);
    this.#heap.set(bytes, INPUT_AT);
    this.#heap.fill(0, INPUT_AT + bytes.length, INPUT_AT + bytes.length + PAD);
    this.#length = bytes.length;
  }

  /**
   * Finds up to `capacity` tag marks at input indices ≥ `from`, in order: read them with markAt / kindAt. `resume` is where
   * to ask next: the input's length when every mark was found, else the first `<` not yet decided (with `final` false,
   * one in the last 8 bytes, whose deciding bytes have not arrived) or the first mark that did not fit.
   */
  findMarks(from: number, final: boolean): void {
    const stop = this.#exports.xmlMarks(INPUT_AT + from, INPUT_AT + this.#length, final ? 1 : 0, MARKS_AT, this.capacity);
    this.markCount = this.#exports.count.value;
    this.resume = stop - INPUT_AT;
  }

  /** Input index of mark `i` of the last findMarks call. */
  markAt(i: number): number {
    return ((this.#marks[(MARKS_AT >> 2) + i] as number) >>> 2) - INPUT_AT;
  }

  /** Kind of mark `i` of the last findMarks call. */
  kindAt(i: number): TagKind {
    return KINDS[(this.#marks[(MARKS_AT >> 2) + i] as number) & 3] as TagKind;
  }

  /**
   * The first input index in [from, to) where `literal` starts, or -1. The literal's characters are bytes (latin1 code
   * units); with `fold`, its ASCII letters match either case (the prefilter's literals are lower-cased printable ASCII).
   */
  find(literal: string, fold: boolean, from: number, to: number): number {
    if (literal.length === 0) return from <= to && from <= this.#length ? from : -1;
    const pattern = this.#pattern(literal, fold);
    const end = Math.min(to, this.#length);
    if (from < 0 || end - from < literal.length) return -1;
    const at = this.#exports.find(INPUT_AT + from, INPUT_AT + end, pattern, literal.length);
    return at < 0 ? -1 : at - INPUT_AT;
  }

  /**
   * The first input index in [from, to) where one of `patterns` starts (whole before `to`), or -1; `which` is then the index in
   * `patterns` of one that starts there (the lowest of the first pass that found it). Every four patterns cost one pass.
   */
  findAny(patterns: readonly SearchPattern[], from: number, to: number): number {
    const end = Math.min(to, this.#length);
    if (from < 0 || from >= end) return -1;
    let best = -1;
    const better = (at: number, which: number): void => {
      if (at >= 0 && (best < 0 || at < best || (at === best && which < this.which))) {
        best = at;
        this.which = which;
      }
    };
    const { long, short, longPatterns } = this.#split(patterns);
    const tables = this.#tablesOf(longPatterns);
    for (let t = 0; t < tables.length; t += 1) {
      const count = Math.min(ANY_MAX, long.length - t * ANY_MAX);
      const at = this.#exports.findAny(INPUT_AT + from, INPUT_AT + end, tables[t] as number, count);
      if (at >= 0) better(at - INPUT_AT, long[t * ANY_MAX + this.#exports.which.value] as number);
    }
    // One-byte patterns (the kernel's pass filters on two bytes) are searched one by one.
    for (const i of short) better(this.find((patterns[i] as SearchPattern).literal, (patterns[i] as SearchPattern).fold, from, end), i);
    return best;
  }

  /** Pattern index of the last findAny match. */
  which = 0;

  /** A pattern list's patterns of two bytes or more (and their indices), and the shorter ones' indices; one per list. */
  readonly #splits = new Map<readonly SearchPattern[], { long: number[]; short: number[]; longPatterns: SearchPattern[] }>();

  #split(patterns: readonly SearchPattern[]): { long: number[]; short: number[]; longPatterns: SearchPattern[] } {
    let split = this.#splits.get(patterns);
    if (split === undefined) {
      const long = patterns.flatMap((p, i) => (p.literal.length >= 2 ? [i] : []));
      const short = patterns.flatMap((p, i) => (p.literal.length < 2 ? [i] : []));
      split = { long, short, longPatterns: long.map((i) => patterns[i] as SearchPattern) };
      this.#splits.set(patterns, split);
    }
    return split;
  }

  /** The tables of a pattern list: groups of four (pattern, length) entries, written on first use. */
  #tablesOf(patterns: readonly SearchPattern[]): number[] {
    const known = this.#tables.get(patterns);
    if (known !== undefined && known.generation === this.#generation) return known.tables;
    const size = patterns.reduce((sum, p) => sum + p.literal.length * 2 + 8, 0);
    if (size > PATTERN_BYTES / 2) throw new RangeError(`kernel search patterns hold at most ${PATTERN_BYTES / 2} bytes together`);
    const generation = this.#generation;
    const tables: number[] = [];
    for (let t = 0; t * ANY_MAX < patterns.length; t += 1) {
      const group = patterns.slice(t * ANY_MAX, (t + 1) * ANY_MAX);
      const entries = group.map((p) => [this.#pattern(p.literal, p.fold), p.literal.length] as const);
      const at = this.#reserve(group.length * 8, 4);
      const view = new DataView(this.#heap.buffer);
      entries.forEach(([pattern, length], i) => {
        view.setInt32(at + i * 8, pattern, true);
        view.setInt32(at + i * 8 + 4, length, true);
      });
      tables.push(at);
    }
    // The region filled up on the way and was emptied: write them all again, into the empty region.
    if (this.#generation !== generation) return this.#tablesOf(patterns);
    this.#tables.set(patterns, { generation, tables });
    return tables;
  }

  /** Where the pattern for (literal, fold) lives: its bytes then its masks, written on first use. */
  #pattern(literal: string, fold: boolean): number {
    const patterns = fold ? this.#patterns.folded : this.#patterns.exact;
    const known = patterns.get(literal);
    if (known !== undefined) return known;
    const at = this.#reserve(literal.length * 2, 1);
    for (let i = 0; i < literal.length; i += 1) {
      const code = literal.charCodeAt(i) & 0xff;
      const folds = fold && isLowerLetter(code | 0x20);
      this.#heap[at + i] = folds ? code | 0x20 : code;
      this.#heap[at + literal.length + i] = folds ? 0x20 : 0;
    }
    patterns.set(literal, at);
    return at;
  }

  /** `size` bytes of the pattern region, aligned; when it is full, everything in it is forgotten and written again on use. */
  #reserve(size: number, align: number): number {
    if (size > PATTERN_BYTES / 4) throw new RangeError(`a kernel search pattern holds at most ${PATTERN_BYTES / 8} bytes`);
    let at = Math.ceil(this.#patternEnd / align) * align;
    if (at + size > PATTERN_BYTES) {
      this.#patterns.exact.clear();
      this.#patterns.folded.clear();
      this.#tables.clear();
      this.#generation += 1;
      at = 0;
    }
    this.#patternEnd = at + size;
    return at;
  }

  #ensure(bytes: number): void {
    const memory = this.#exports.memory;
    if (memory.buffer.byteLength >= bytes) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    this.#heap = new Uint8Array(memory.buffer);
    this.#marks = new Int32Array(memory.buffer);
  }
}
