/**
 * The typed front of the scan kernel (scan-kernel.wat): the XML framer's tag search, run of events and newline count, and
 * the prefilter's literal search, run as WebAssembly SIMD over the reader's window (a copy, or its bytes where they were
 * read). Measured on the bench corpus (one core): the tag search plus the copy cost 0.17 CPU-s/GB where the V8 string search
 * it replaces cost 0.33 with the latin1 string it needed.
 *
 * One kernel per reader: each owns its memory, so readers running side by side never see each other's bytes. Memory layout
 * (kernel-memory.ts): [patterns | marks | hits | run EventIDs | run results | triage table | input + PAD zero bytes | resident buffers]; it grows
 * with the largest input copied in and never shrinks (a reader's window is bounded by its largest event plus one piece),
 * and never grows at all once it handed out resident buffers (residentBuffers).
 */
import { Buffer } from 'node:buffer';
import type { XmlTriageRules } from '../read/raw-event.ts';
import {
  HIT_CAP,
  HITS_AT,
  IDS_AT,
  IDS_CAP,
  INPUT_AT,
  instantiateKernel,
  MARK_CAP,
  MARKS_AT,
  PAD,
  PAGE,
  PATTERN_BYTES,
  RESIDENT_LIMIT,
  RUN_AT,
  TRIAGE_AT,
  writePattern,
  writeTriageTable,
  type KernelExports,
} from './kernel-memory.ts';

/** A literal for findAll: its characters are bytes (latin1 code units); with `fold`, its ASCII letters match either case. */
export interface SearchPattern {
  readonly literal: string;
  readonly fold: boolean;
}

/** Input bytes looked at to choose a pattern's anchor (see #anchor). */
const SAMPLE_BYTES = 64 * 1024;

/** Most patterns one kernel findAll pass compares. */
const ANY_MAX = 4;

/** What a tag mark is: `<Event` + boundary, `</Event>`, or `<EventID` + boundary (xml-framing.ts). */
export type TagKind = 'start' | 'end' | 'eventId';

const KINDS: readonly TagKind[] = ['start', 'end', 'eventId'];

/** One kernel instance: load an input, then ask for its tag marks and literal positions (indices into the input). */
export class ScanKernel {
  readonly #exports: KernelExports;
  #heap: Uint8Array;
  #words: Int32Array;
  #length = 0;
  /** Counts the times the pattern region was emptied: what was written before is gone. */
  #generation = 0;
  /** Where each literal's pattern lives, exact and folded. */
  readonly #patterns = { exact: new Map<string, number>(), folded: new Map<string, number>() };
  #patternEnd = 0;
  /** Memory address of input index 0: the copy region, or where a resident buffer's bytes were loaded in place. */
  #inputAt = INPUT_AT;
  /** The resident buffers (residentBuffers), once handed out: their memory range, and the largest copied input below them. */
  #arena: { at: number; end: number; buffers: Buffer[]; inputLimit: number } | undefined;
  /** Marks of the last xmlMarks call: how many, and where the kernel stopped (an input index). */
  markCount = 0;
  resume = 0;
  /** EventIDs for run: how many are in the table, -1 when every event is delivered (none given). */
  #runIds = -1;
  /** Whether run can take events at all: false when setRunIds got more EventIDs than the table holds. */
  runs = true;
  /** Where the triage table is (0: none, see setTriage). */
  #triage = 0;
  /** After run: events it only counted, the end and `<EventID` index of the event it stopped at (-1: none), next mark index. */
  runSkipped = 0;
  runEnd = -1;
  runIdAt = -1;
  runMark = 0;
  /** After run: how many process events it settled (their starts: settledAt). */
  runSettled = 0;

  constructor(markCapacity = MARK_CAP) {
    this.capacity = Math.max(1, Math.min(markCapacity, MARK_CAP));
    this.#exports = instantiateKernel();
    this.#heap = new Uint8Array(this.#exports.memory.buffer);
    this.#words = new Int32Array(this.#exports.memory.buffer);
    this.#ensure(INPUT_AT + PAD);
  }

  /** Most marks one findMarks call returns. */
  readonly capacity: number;

  /** Bytes of the input last loaded. */
  get length(): number {
    return this.#length;
  }

  /**
   * Makes `bytes` the input (indices 0 … bytes.length). Bytes that lie in this kernel's resident buffers (residentBuffers) are
   * scanned where they are when `inPlace`; any others are copied in, followed by the zero padding the searches rely on. In
   * place there is no padding: the bytes after the input are the next ones read, and only xmlMarks with `final` would read
   * them as part of a tag, so a caller passes `inPlace` false for a final scan.
   */
  load(bytes: Uint8Array, inPlace = false): void {
    const arena = this.#arena;
    if (inPlace && arena !== undefined && bytes.buffer === this.#heap.buffer && bytes.byteOffset >= arena.at && bytes.byteOffset + bytes.length <= arena.end) {
      this.#inputAt = bytes.byteOffset;
      this.#length = bytes.length;
      return;
    }
    this.#ensure(INPUT_AT + bytes.length + PAD);
    this.#heap.set(bytes, INPUT_AT);
    this.#heap.fill(0, INPUT_AT + bytes.length, INPUT_AT + bytes.length + PAD);
    this.#inputAt = INPUT_AT;
    this.#length = bytes.length;
  }

  /**
   * `count` buffers of `bytes` each in this kernel's own memory, for a reader to read its input into (ChunkRecycler.adopt),
   * or none (see RESIDENT_LIMIT):
   * a window of them is scanned where it lies, without the copy (load). Asked once; later calls return the same buffers.
   * From then on the memory never grows (growing would detach every view of it, these buffers too): it is sized now for
   * inputs of up to `maxInput` bytes, and a larger one is an error (the XML framer's windows are bounded: its largest event
   * plus one piece).
   */
  residentBuffers(count: number, bytes: number, maxInput: number): Buffer[] {
    if (this.#arena !== undefined) return this.#arena.buffers;
    const at = Math.ceil((INPUT_AT + maxInput + PAD) / PAD) * PAD;
    const end = at + count * bytes;
    // None for a layout past RESIDENT_LIMIT (an event limit of a gigabyte or more), or when the memory cannot grow to it:
    // the reader then copies, as it does without them.
    if (end + PAD > RESIDENT_LIMIT) return [];
    try {
      // The vector loads read up to PAD bytes past the last buffer's end.
      this.#ensure(end + PAD);
    } catch {
      return [];
    }
    const buffers = Array.from({ length: count }, (_, k) => Buffer.from(this.#heap.buffer, at + k * bytes, bytes));
    this.#arena = { at, end, buffers, inputLimit: INPUT_AT + maxInput + PAD };
    return buffers;
  }

  /**
   * Finds up to `capacity` tag marks at input indices ≥ `from`, in order: read them with markAt / kindAt. `resume` is where
   * to ask next: the input's length when every mark was found, else the first `<` not yet decided (with `final` false,
   * one in the last 8 bytes, whose deciding bytes have not arrived) or the first mark that did not fit.
   */
  findMarks(from: number, final: boolean): void {
    const stop = this.#exports.xmlMarks(this.#inputAt + from, this.#inputAt + this.#length, final ? 1 : 0, MARKS_AT, this.capacity);
    this.markCount = this.#exports.count.value;
    this.resume = stop - this.#inputAt;
  }

  /** Input index of mark `i` of the last findMarks call. */
  markAt(i: number): number {
    return ((this.#words[(MARKS_AT >> 2) + i] as number) >>> 2) - this.#inputAt;
  }

  /** Kind of mark `i` of the last findMarks call. */
  kindAt(i: number): TagKind {
    return KINDS[(this.#words[(MARKS_AT >> 2) + i] as number) & 3] as TagKind;
  }

  /** How many `\n` bytes input indices [from, to) hold (clipped to the input). */
  countNewlines(from: number, to: number): number {
    const start = Math.max(from, 0);
    const end = Math.min(to, this.#length);
    return end > start ? this.#exports.countNewlines(this.#inputAt + start, this.#inputAt + end) : 0;
  }

  /** The EventIDs run delivers (others with a clean `<EventID>` are only counted); undefined: every event is delivered. */
  setRunIds(ids: ReadonlySet<number> | undefined): void {
    this.runs = ids === undefined || ids.size <= IDS_CAP;
    this.#runIds = ids === undefined ? -1 : ids.size;
    if (!this.runs || ids === undefined) return;
    let k = 0;
    for (const id of ids) this.#words[(IDS_AT >> 2) + k++] = id;
  }

  /**
   * Takes the framer's run of complete events from input index `from`, reading the last findMarks answer from mark `index`
   * on (scan-kernel.wat xmlRun): returns the input index where it stopped, with runSkipped, runEnd, runIdAt (input indices,
   * -1 for none) and runMark set. `max` is the largest event in bytes.
   */
  run(from: number, index: number, max: number): number {
    const stop = this.#exports.xmlRun(this.#inputAt + from, this.#inputAt + this.#length, MARKS_AT, index, this.markCount, IDS_AT, this.#runIds, max, this.#triage, RUN_AT);
    const results = this.#words;
    const at = RUN_AT >> 2;
    this.runSkipped = results[at] as number;
    this.runMark = results[at + 1] as number;
    const end = results[at + 2] as number;
    const idAt = results[at + 3] as number;
    this.runSettled = results[at + 4] as number;
    this.runEnd = end < 0 ? -1 : end - this.#inputAt;
    this.runIdAt = idAt < 0 ? -1 : idAt - this.#inputAt;
    return stop - this.#inputAt;
  }

  /** Input index of the `i`th process event the last run settled. */
  settledAt(i: number): number {
    return (this.#words[(RUN_AT >> 2) + 8 + i] as number) - this.#inputAt;
  }

  /**
   * The rules run settles process events by (see XmlTriageRules and scan-kernel.wat $triage); undefined, or rules larger than
   * the kernel's table, settle none (every event with a listed EventID is delivered).
   */
  setTriage(rules: XmlTriageRules | undefined): void {
    this.#triage = 0;
    if (rules !== undefined && writeTriageTable(this.#heap, this.#words, rules)) this.#triage = TRIAGE_AT;
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
    const at = this.#exports.find(this.#inputAt + from, this.#inputAt + end, pattern, literal.length);
    return at < 0 ? -1 : at - this.#inputAt;
  }

  /**
   * Calls `visit(at, which)` for every input index `at` in [from, to) where `patterns[which]` starts (whole before `to`); a
   * start where two patterns match is visited for each. Visits come in kernel order (not sorted by `at`). Every four patterns
   * of two bytes or more cost one kernel pass; shorter ones are searched one by one.
   */
  findAll(patterns: readonly SearchPattern[], from: number, to: number, visit: (at: number, which: number) => void): void {
    const end = Math.min(to, this.#length);
    if (from < 0 || from >= end) return;
    const { long, short, tables } = this.#plan(patterns);
    for (let t = 0; t < tables.length; t += 1) {
      const count = Math.min(ANY_MAX, long.length - t * ANY_MAX);
      let at = this.#inputAt + from;
      for (;;) {
        const stop = this.#exports.findAll(at, this.#inputAt + from, this.#inputAt + end, tables[t] as number, count, HITS_AT, HIT_CAP);
        const hits = this.#exports.count.value;
        for (let i = 0; i < hits; i += 1) {
          const hit = this.#words[(HITS_AT >> 2) + i] as number;
          visit((hit >>> 2) - this.#inputAt, long[t * ANY_MAX + (hit & 3)] as number);
        }
        if (stop >= this.#inputAt + end) break;
        at = stop;
      }
    }
    for (const i of short) {
      const { literal, fold } = patterns[i] as SearchPattern;
      for (let at = this.find(literal, fold, from, end); at >= 0; at = this.find(literal, fold, at + 1, end)) visit(at, i);
    }
  }

  /** A pattern list's plan: its patterns of two bytes or more (indices, and their kernel tables), the shorter ones' indices. */
  readonly #plans = new Map<readonly SearchPattern[], { generation: number; long: number[]; short: number[]; tables: number[] }>();

  #plan(patterns: readonly SearchPattern[]): { long: number[]; short: number[]; tables: number[] } {
    const known = this.#plans.get(patterns);
    if (known !== undefined && known.generation === this.#generation) return known;
    const long = patterns.flatMap((p, i) => (p.literal.length >= 2 ? [i] : []));
    const short = patterns.flatMap((p, i) => (p.literal.length < 2 ? [i] : []));
    const size = patterns.reduce((sum, p) => sum + p.literal.length * 2 + 12, 0);
    if (size > PATTERN_BYTES / 2) throw new RangeError(`kernel search patterns hold at most ${PATTERN_BYTES / 2} bytes together`);
    const generation = this.#generation;
    const tables: number[] = [];
    for (let t = 0; t * ANY_MAX < long.length; t += 1) {
      const group = long.slice(t * ANY_MAX, (t + 1) * ANY_MAX).map((i) => patterns[i] as SearchPattern);
      const entries = group.map((p) => [this.#pattern(p.literal, p.fold), p.literal.length, this.#anchor(p)] as const);
      const at = this.#reserve(group.length * 12, 4);
      const view = new DataView(this.#heap.buffer);
      entries.forEach(([pattern, length, anchor], i) => {
        view.setInt32(at + i * 12, pattern, true);
        view.setInt32(at + i * 12 + 4, length, true);
        view.setInt32(at + i * 12 + 8, anchor, true);
      });
      tables.push(at);
    }
    // The region filled up on the way and was emptied: write them all again, into the empty region.
    if (this.#generation !== generation) return this.#plan(patterns);
    const plan = { generation, long, short, tables };
    this.#plans.set(patterns, plan);
    return plan;
  }

  /**
   * The pair of a pattern's bytes the kernel's pass stops at: the one seen least in the input loaded now (a reader's first
   * window), as the pass costs per stop. For `appcmd.exe` in Sysmon JSON, `cm` (94 a MB) beats `ap` (569) and `pc` (871:
   * every event's "Opcode"). Only speed depends on the choice.
   */
  #anchor(pattern: SearchPattern): number {
    const sample = Math.min(this.#length, SAMPLE_BYTES);
    let best = 0;
    let fewest = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < pattern.literal.length && fewest > 0; i += 1) {
      const pair = pattern.literal.slice(i, i + 2);
      let seen = 0;
      for (let at = this.find(pair, pattern.fold, 0, sample); at >= 0 && seen < fewest; at = this.find(pair, pattern.fold, at + 1, sample)) seen += 1;
      if (seen < fewest) {
        fewest = seen;
        best = i;
      }
    }
    return best;
  }

  /** Where the pattern for (literal, fold) lives: its bytes then its masks, written on first use. */
  #pattern(literal: string, fold: boolean): number {
    const patterns = fold ? this.#patterns.folded : this.#patterns.exact;
    const known = patterns.get(literal);
    if (known !== undefined) return known;
    const at = this.#reserve(literal.length * 2, 1);
    writePattern(this.#heap, at, literal, fold);
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
      this.#plans.clear();
      this.#generation += 1;
      at = 0;
    }
    this.#patternEnd = at + size;
    return at;
  }

  #ensure(bytes: number): void {
    const memory = this.#exports.memory;
    const arena = this.#arena;
    // Below the resident buffers, never over them, and never growing (see residentBuffers).
    if (arena !== undefined && bytes > arena.inputLimit) {
      throw new RangeError(`scan kernel: an input of ${bytes - INPUT_AT - PAD} bytes does not fit below its resident buffers`);
    }
    if (memory.buffer.byteLength >= bytes) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    this.#heap = new Uint8Array(memory.buffer);
    this.#words = new Int32Array(memory.buffer);
  }
}
