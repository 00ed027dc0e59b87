/**
 * The scan kernel's WebAssembly module and the memory layout its typed front (scan-kernel.ts) keeps: where the patterns,
 * marks, hits, run EventIDs, run results, triage table and input live, and how patterns and the triage table are written.
 */
import { Buffer } from 'node:buffer';
import type { XmlTriageRules } from '../read/raw-event.ts';
import { SCAN_KERNEL_WASM } from './scan-kernel-wasm.ts';

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs declare no WebAssembly values). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What the kernel module exports (scan-kernel.wat). */
export interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  count: { readonly value: number };
  xmlMarks(from: number, end: number, final: number, out: number, cap: number): number;
  find(from: number, to: number, pattern: number, length: number): number;
  findAll(start: number, low: number, to: number, table: number, count: number, out: number, cap: number): number;
  xmlRun(from: number, end: number, marks: number, index: number, count: number, ids: number, idCount: number, max: number, table: number, results: number): number;
  countNewlines(from: number, to: number): number;
}

export const PATTERN_BYTES = 16 * 1024;
/** Marks one kernel call may write; the framer asks again from where it stopped. */
export const MARK_CAP = 8 * 1024;
export const MARKS_AT = PATTERN_BYTES;
/** Matches one findAll call may write; it is asked again from where it stopped. */
export const HIT_CAP = 1024;
export const HITS_AT = MARKS_AT + MARK_CAP * 4;
/** The EventIDs xmlRun delivers (setRunIds). */
export const IDS_AT = HITS_AT + HIT_CAP * 4;
export const IDS_CAP = 16;
/** xmlRun's results: five i32, then (from byte 32) the process events it settled, at most RUN_LIST. */
export const RUN_AT = IDS_AT + IDS_CAP * 4;
const RUN_LIST = 256;
/** xmlRun's triage table (setTriage): 128 bytes of entries (scan-kernel.wat $triage), then the patterns they point to. */
export const TRIAGE_AT = RUN_AT + 32 + RUN_LIST * 4;
const TRIAGE_TABLE = 128;
const TRIAGE_BYTES = 2048;
const TRIAGE_PROVIDERS = 4;
const TRIAGE_LITERALS = 8;
export const INPUT_AT = TRIAGE_AT + TRIAGE_BYTES;
/** Zero bytes after the input: the vector loads read up to 64 bytes past a range's end, and a zero byte matches nothing. */
export const PAD = 64;
export const PAGE = 64 * 1024;
/** The largest memory residentBuffers lays out (its input region is sized for the largest event): beyond it, none. */
export const RESIDENT_LIMIT = 1024 * 1024 * 1024;

let compiled: object | undefined;

/** A new kernel instance, with memory of its own (the module is compiled once per process). */
export function instantiateKernel(): KernelExports {
  compiled ??= new wasm.Module(Buffer.from(SCAN_KERNEL_WASM, 'base64'));
  return new wasm.Instance(compiled).exports as KernelExports;
}

/** A lower-case ASCII letter: the pattern bytes that match either case. */
function isLowerLetter(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/** Writes a pattern as find reads it at `at`: its bytes, then a mask byte each (0x20 where a letter matches either case). */
export function writePattern(heap: Uint8Array, at: number, literal: string, fold: boolean): void {
  for (let i = 0; i < literal.length; i += 1) {
    const code = literal.charCodeAt(i) & 0xff;
    const folds = fold && isLowerLetter(code | 0x20);
    heap[at + i] = folds ? code | 0x20 : code;
    heap[at + literal.length + i] = folds ? 0x20 : 0;
  }
}

/** The numeric character reference that can hide any character from a byte search (candidate-filter.ts). */
const REFERENCE = '&#';

/**
 * Writes the triage table scan-kernel.wat $triage reads, at TRIAGE_AT: the number of providers, up to TRIAGE_PROVIDERS ×
 * (EventID, pattern, length), the reference `&#` as (pattern, length) at byte 52, the number of literals at 60 and up to
 * TRIAGE_LITERALS × (pattern, length) from 64, then the patterns themselves. False, writing nothing, for rules the table
 * cannot hold.
 */
export function writeTriageTable(heap: Uint8Array, words: Int32Array, rules: XmlTriageRules): boolean {
  if (rules.providers.length > TRIAGE_PROVIDERS || rules.anyOf.length > TRIAGE_LITERALS) return false;
  const literals = [REFERENCE, ...rules.providers.map((p) => p.literal), ...rules.anyOf];
  if (literals.some((l) => l.length === 0) || literals.reduce((n, l) => n + 2 * l.length, 0) > TRIAGE_BYTES - TRIAGE_TABLE) return false;
  let free = TRIAGE_AT + TRIAGE_TABLE;
  const pattern = (literal: string, fold: boolean): number => {
    const at = free;
    writePattern(heap, at, literal, fold);
    free += 2 * literal.length;
    return at;
  };
  const table = TRIAGE_AT >> 2;
  words[table] = rules.providers.length;
  rules.providers.forEach((provider, k) => {
    words[table + 1 + k * 3] = provider.eventId;
    words[table + 2 + k * 3] = pattern(provider.literal, true);
    words[table + 3 + k * 3] = provider.literal.length;
  });
  words[table + 13] = pattern(REFERENCE, false);
  words[table + 14] = REFERENCE.length;
  words[table + 15] = rules.anyOf.length;
  rules.anyOf.forEach((literal, k) => {
    words[table + 16 + k * 2] = pattern(literal, true);
    words[table + 17 + k * 2] = literal.length;
  });
  return true;
}
