/**
 * The scan kernel against reference implementations written out in plain TypeScript from its contract (scan-kernel.wat):
 * the tag marks of any bytes, from any start, final or not, through any mark capacity; and the literal search, exact and
 * case-folded, over any range. The committed module must be the one the text source compiles to.
 */
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanKernel, type TagKind } from '../../../functions/core/kernel/scan-kernel.ts';
import { TagMarks } from '../../../functions/core/read/xml-tag-marks.ts';
import { ScanWindow } from '../../../functions/core/read/xml-scan-window.ts';
import { xmlEventId } from '../../../functions/core/read/xml-event-id.ts';
import type { XmlTriageRules } from '../../../functions/core/read/raw-event.ts';

interface Mark {
  at: number;
  kind: TagKind;
}

const isBoundary = (b: number | undefined): boolean => b !== undefined && [0x20, 0x3e, 0x2f, 0x0a, 0x0d, 0x09].includes(b);

/** The tag starting at `q`, reading only bytes before `length` (xml-framing.ts: a start, an end, an EventID tag). */
function referenceKind(bytes: Buffer, length: number, q: number): TagKind | undefined {
  const at = (i: number): number | undefined => (q + i < length ? bytes[q + i] : undefined);
  const has = (text: string, from: number): boolean => [...text].every((c, i) => at(from + i) === c.charCodeAt(0));
  if (!has('<Event', 0) && !has('</Event>', 0)) return undefined;
  if (has('</Event>', 0)) return 'end';
  if (isBoundary(at(6))) return 'start';
  if (has('ID', 6) && isBoundary(at(8))) return 'eventId';
  return undefined;
}

/** Every mark in [from, resume), and resume: without `final`, the first `<` in the last 8 bytes stops the search. */
function referenceMarks(bytes: Buffer, from: number, final: boolean): { marks: Mark[]; resume: number } {
  let resume = bytes.length;
  if (!final) {
    for (let q = Math.max(from, bytes.length - 8); q < bytes.length; q += 1) {
      if (bytes[q] === 0x3c) {
        resume = q;
        break;
      }
    }
  }
  const marks: Mark[] = [];
  for (let q = from; q < resume; q += 1) {
    const kind = referenceKind(bytes, bytes.length, q);
    if (kind !== undefined) marks.push({ at: q, kind });
  }
  return { marks, resume };
}

function referenceFind(bytes: Buffer, literal: string, fold: boolean, from: number, to: number): number {
  const norm = (c: number): number => (fold && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) ? c | 0x20 : c);
  const end = Math.min(to, bytes.length);
  for (let q = Math.max(from, 0); q + literal.length <= end; q += 1) {
    let i = 0;
    while (i < literal.length && norm(bytes[q + i] as number) === norm(literal.charCodeAt(i))) i += 1;
    if (i === literal.length) return q;
  }
  return -1;
}

/** Kernel marks from `from`, asking again at each resume point while the kernel stopped at a full buffer. */
function kernelMarks(kernel: ScanKernel, from: number, final: boolean): { marks: Mark[]; resume: number } {
  const marks: Mark[] = [];
  let at = from;
  for (;;) {
    kernel.findMarks(at, final);
    for (let i = 0; i < kernel.markCount; i += 1) marks.push({ at: kernel.markAt(i), kind: kernel.kindAt(i) });
    if (kernel.markCount < kernel.capacity || kernel.resume >= kernel.length) return { marks, resume: kernel.resume };
    at = kernel.resume;
  }
}

interface Run {
  stop: number;
  skipped: number;
  end: number;
  idAt: number;
  mark: number;
  settled: number[];
}

/** What the triage rules settle for an event [start, end) with EventID `id` (scan-kernel.wat $triage): 0, 1 or 2. */
function referenceTriage(bytes: Buffer, start: number, end: number, id: number, rules: XmlTriageRules): number {
  const provider = rules.providers.find((p) => p.eventId === id);
  if (provider === undefined || referenceFind(bytes, '&#', false, start, end) >= 0) return 0;
  if (referenceFind(bytes, provider.literal, true, start, end) < 0) return 1;
  return rules.anyOf.some((literal) => referenceFind(bytes, literal, true, start, end) >= 0) ? 0 : 2;
}

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * The framer's run of events over one batch of marks (xml-framing.ts #runOfEvents), as scan-kernel.wat xmlRun states it:
 * from `from`, complete events separated by whitespace; those whose one clean EventID is not in `ids` are counted.
 */
function referenceRun(bytes: Buffer, marks: Mark[], from: number, ids: ReadonlySet<number> | undefined, max: number, rules?: XmlTriageRules): Run {
  let p = from;
  let i = 0;
  let skipped = 0;
  const settled: number[] = [];
  for (;;) {
    while (p < bytes.length && isSpace(bytes[p])) p += 1;
    while (i < marks.length && (marks[i] as Mark).at < p) i += 1;
    const stop = { stop: p, skipped, end: -1, idAt: -1, mark: i, settled };
    if (p >= bytes.length || i >= marks.length || (marks[i] as Mark).at !== p || (marks[i] as Mark).kind !== 'start') return stop;
    let j = i + 1;
    let count = 0;
    let idAt = -1;
    while (j < marks.length && (marks[j] as Mark).kind === 'eventId') {
      if (count === 0) idAt = (marks[j] as Mark).at;
      count += 1;
      j += 1;
    }
    const end = j < marks.length && (marks[j] as Mark).kind === 'end' ? (marks[j] as Mark).at + 8 : -1;
    if (end < 0 || end - p > max) return stop;
    if (count !== 1) idAt = -1;
    const id = ids !== undefined && idAt >= 0 ? xmlEventId(bytes, idAt, end) : -1;
    const verdict = id < 0 ? 0 : ids?.has(id) === false ? 1 : rules === undefined ? 0 : referenceTriage(bytes, p, end, id, rules);
    if (verdict === 2 && settled.length === 256) return stop;
    if (verdict === 2) settled.push(p);
    if (verdict !== 0) {
      skipped += 1;
      p = end;
      i = j + 1;
      continue;
    }
    return { stop: p, skipped, end, idAt, mark: i, settled };
  }
}

/** Text rich in near-miss tags, so every branch of the tag test is taken. */
const tagText = fc
  .array(
    fc.constantFrom(
      '<Event ', '<Event>', '<Event/>', '<Event\n', '<Event\t', '<Event\r', '</Event>', '</Event >', '</Events>', '<Events>',
      '<EventID>', '<EventID ', '<EventIDs>', '<EventI', '<EventRecordID>', '<EventData>', '</EventID>', '<Ev', '</E', '<', 'v',
      'vent', 'E', 'ID', ' ', '>', '/', '\n', 'x', 'appcmd', '&#', '\u00e9', '<Event\u00a0',
    ),
    { maxLength: 120 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

describe('scan kernel', () => {
  it('the committed module is what scan-kernel.wat compiles to', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-kernel.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('tag marks equal the reference for any bytes, start, final flag and mark capacity', () => {
    fc.assert(
      fc.property(tagText, fc.nat(), fc.boolean(), fc.integer({ min: 1, max: 9 }), (bytes, start, final, capacity) => {
        const from = bytes.length === 0 ? 0 : start % (bytes.length + 1);
        const kernel = new ScanKernel(capacity);
        kernel.load(bytes);
        expect(kernelMarks(kernel, from, final)).toEqual(referenceMarks(bytes, from, final));
      }),
      { numRuns: 2000 },
    );
  });

  it('bytes left in memory by a longer input earlier never count (the padding after the input is zeroed)', () => {
    const kernel = new ScanKernel();
    kernel.load(Buffer.from(`${'x'.repeat(40)}<Event x='1'></Event>`, 'latin1'));
    const short = Buffer.from(`${'x'.repeat(40)}<Even`, 'latin1');
    kernel.load(short);
    expect(kernelMarks(kernel, 0, true)).toEqual({ marks: [], resume: short.length });
    expect(kernel.find('</Event>', false, 0, 100)).toBe(-1);
  });

  it('inputs larger than the first memory page grow the memory; marks far in are found', () => {
    const filler = 'a'.repeat(200_000);
    const bytes = Buffer.from(`${filler}<Event xmlns='e'><EventID>1</EventID></Event>\n`, 'latin1');
    const kernel = new ScanKernel();
    kernel.load(bytes);
    expect(kernelMarks(kernel, 0, false).marks).toEqual([
      { at: filler.length, kind: 'start' },
      { at: filler.length + 17, kind: 'eventId' },
      { at: filler.length + 37, kind: 'end' },
    ]);
    expect(kernel.find('EVENTid', true, 0, bytes.length)).toBe(filler.length + 18);
  });

  it('find equals the reference search, exact and case-folded, over any range', () => {
    const text = fc
      .array(fc.constantFrom('a', 'A', 'p', 'P', 'c', 'm', 'd', 'D', '.', 'e', 'x', 'E', '&', '#', ' ', '\u00c4', '\u00b0', 'appcmd'), { maxLength: 80 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, text, fc.boolean(), fc.nat(), fc.nat(), (haystack, needle, fold, a, b) => {
        const literal = needle.slice(0, 1 + (a % 12));
        fc.pre(literal.length > 0);
        const bytes = Buffer.from(haystack, 'latin1');
        const from = a % (bytes.length + 2);
        const to = b % (bytes.length + 3);
        const kernel = new ScanKernel();
        kernel.load(bytes);
        expect(kernel.find(literal, fold, from, to)).toBe(referenceFind(bytes, literal, fold, from, to));
      }),
      { numRuns: 3000 },
    );
  });

  it('findAll visits every match of one to six patterns, whatever input chose the anchors, through full hit buffers', () => {
    const text = fc
      .array(fc.constantFrom('a', 'A', 'p', 'c', 'm', '&', '#', '\\', '|', 'u', 'U', '0', '0', '1', '\u00c4', '\u00b0', ' ', '\x06'), { maxLength: 60 })
      .map((parts) => parts.join(''));
    const pattern = fc.record({ literal: text.filter((t) => t.length > 0).map((t) => t.slice(0, 6)), fold: fc.boolean() });
    fc.assert(
      fc.property(text, text, fc.array(pattern, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), (sample, haystack, patterns, a, b) => {
        const bytes = Buffer.from(haystack, 'latin1');
        const from = a % (bytes.length + 2);
        const to = b % (bytes.length + 3);
        const kernel = new ScanKernel();
        // Anchors are chosen from the input loaded when a pattern list is first used: here another one.
        kernel.load(Buffer.from(sample, 'latin1'));
        kernel.findAll(patterns, 0, sample.length, () => undefined);
        kernel.load(bytes);
        const seen: string[] = [];
        kernel.findAll(patterns, from, to, (at, which) => seen.push(`${at}:${which}`));
        const expected: string[] = [];
        patterns.forEach((p, which) => {
          for (let at = referenceFind(bytes, p.literal, p.fold, from, to); at >= 0; at = referenceFind(bytes, p.literal, p.fold, at + 1, to)) {
            expected.push(`${at}:${which}`);
          }
        });
        expect(seen.sort()).toEqual(expected.sort());
      }),
      { numRuns: 3000 },
    );
  });

  it('findAll asks again when its hit buffer fills', () => {
    const bytes = Buffer.from('ab'.repeat(3000), 'latin1');
    const kernel = new ScanKernel();
    kernel.load(bytes);
    let hits = 0;
    kernel.findAll([{ literal: 'AB', fold: true }, { literal: 'ba', fold: false }], 0, bytes.length, () => (hits += 1));
    expect(hits).toBe(3000 + 2999);
  });

  it('counts newlines as the reference does over any range, through long runs of them (the byte counters never wrap)', () => {
    const text = fc
      .array(fc.oneof(fc.constantFrom('\n', '\n\n', 'x', '\r\n', '<Event>', '\u000b', '\u008a'), fc.nat({ max: 9000 }).map((n) => '\n'.repeat(n))), { maxLength: 12 })
      .map((parts) => Buffer.from(parts.join(''), 'latin1'));
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), (bytes, a, b) => {
        const from = a % (bytes.length + 2);
        const to = b % (bytes.length + 3);
        const kernel = new ScanKernel();
        kernel.load(bytes);
        let expected = 0;
        for (let i = from; i < Math.min(to, bytes.length); i += 1) if (bytes[i] === 0x0a) expected += 1;
        expect(kernel.countNewlines(from, to)).toBe(expected);
      }),
      { numRuns: 500 },
    );
    const kernel = new ScanKernel();
    kernel.load(Buffer.alloc(100_000, 0x0a));
    expect(kernel.countNewlines(0, 100_000)).toBe(100_000);
    expect(kernel.countNewlines(3, 99_990)).toBe(99_987);
  });

  it('takes the run of events as the reference does, for any marks batch, start, EventIDs, triage rules and size limit', () => {
    // Mostly well-formed events (so runs are long), with the EventID forms the parser accepts or refuses, and some noise.
    const body = fc.constantFrom('', '<Data>v</Data>', '<Data>v</Data>', 'y'.repeat(60), 'MICROSOFT-windows-SYSMON', 'Microsoft-Windows-Sysmo', 'appcmd.exe', 'C:\\X\\APPCMD.EXE', 'appcmd.ex', '&#97;', '&amp;#', 'install ');
    const eventId = fc.constantFrom(
      '<EventID>1</EventID>', '<EventID> 4688\n</EventID>', '<EventID>12</EventID>', '<EventID>123456</EventID>', '<EventID>1234567</EventID>',
      '<EventID>000012</EventID>', '<EventID/>', '<EventID>&#49;</EventID>', '<EventID>1 2</EventID>', '<EventID Qualifiers="0">4688</EventID>',
      '<EventID>1<!-- --></EventID>', '<EventID>1</EventI', '<EventID>4688',
    );
    const event = fc
      .tuple(
        fc.oneof({ arbitrary: fc.constantFrom('<Event x>', '<Event>', '<Event\n>'), weight: 30 }, { arbitrary: fc.constantFrom('<Events>', 'x'), weight: 1 }),
        fc.oneof(
          { arbitrary: fc.constant(['<EventID>1</EventID>']), weight: 6 },
          { arbitrary: eventId.map((id) => [id]), weight: 8 },
          { arbitrary: fc.array(eventId, { maxLength: 2 }), weight: 1 },
        ),
        fc.tuple(fc.constantFrom("<Provider Name='Microsoft-Windows-Sysmon'/>", "<Provider Name='Microsoft-Windows-Sysmon'/>", ''), fc.array(body, { maxLength: 2 })).map(
          ([provider, parts]) => provider + parts.join(''),
        ),
        fc.oneof({ arbitrary: fc.constant('</Event>'), weight: 30 }, { arbitrary: fc.constantFrom('</Event >', ''), weight: 1 }),
      )
      .map((parts) => parts[0] + parts[1].join('') + parts[2] + parts[3]);
    const eventText = fc
      .array(fc.tuple(event, fc.constantFrom('\n', '', ' \r\n', '\t')), { maxLength: 30 })
      .map((parts) => Buffer.from(parts.map(([e, gap]) => e + gap).join(''), 'latin1'));
    const ids = fc.option(fc.subarray([1, 12, 4688, 0]).map((list) => new Set(list)), { nil: undefined });
    const rules = fc.option(
      fc.record({
        providers: fc.subarray([{ eventId: 1, literal: 'microsoft-windows-sysmon' }, { eventId: 4688, literal: 'appcmd' }]),
        anyOf: fc.subarray(['appcmd.exe', 'install ', 'yyy']),
      }),
      { nil: undefined },
    );
    let skipped = 0;
    let delivered = 0;
    let settled = 0;
    fc.assert(
      fc.property(eventText, fc.nat(), ids, rules, fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(8192)), fc.oneof(fc.integer({ min: 8, max: 200 }), fc.constant(1 << 20)), fc.boolean(), (bytes, start, only, triage, capacity, max, final) => {
        // From the first byte half the time, else anywhere.
        const from = start % 2 === 0 ? 0 : start % (bytes.length + 1);
        const kernel = new ScanKernel(capacity);
        kernel.load(bytes);
        kernel.setRunIds(only);
        kernel.setTriage(triage);
        kernel.findMarks(0, final);
        const batch: Mark[] = [];
        for (let i = 0; i < kernel.markCount; i += 1) batch.push({ at: kernel.markAt(i), kind: kernel.kindAt(i) });
        // As the framer calls it: again from the end of each event delivered, until it stops at something else.
        const got: Run[] = [];
        const expected: Run[] = [];
        for (let at = from, mark = 0; ; ) {
          const stop = kernel.run(at, mark, max);
          const listed = Array.from({ length: kernel.runSettled }, (_, i) => kernel.settledAt(i));
          got.push({ stop, skipped: kernel.runSkipped, end: kernel.runEnd, idAt: kernel.runIdAt, mark: kernel.runMark, settled: listed });
          settled += listed.length;
          const want = referenceRun(bytes, batch.slice(mark), at, only, max, triage);
          expected.push({ ...want, mark: want.mark + mark });
          skipped += kernel.runSkipped;
          if (kernel.runEnd < 0 || got.length > 100) break;
          delivered += 1;
          at = kernel.runEnd;
          mark = kernel.runMark;
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
    // The runs were real ones: many events skipped, many delivered.
    expect(skipped).toBeGreaterThan(400);
    expect(delivered).toBeGreaterThan(800);
    expect(settled).toBeGreaterThan(40);
  });

  it('stops a run when its list of settled process events is full, and goes on from there', () => {
    const event = "<Event x><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID></Event>\n";
    const bytes = Buffer.from(event.repeat(600), 'latin1');
    const kernel = new ScanKernel();
    kernel.load(bytes);
    kernel.setRunIds(new Set([1]));
    kernel.setTriage({ providers: [{ eventId: 1, literal: 'microsoft-windows-sysmon' }], anyOf: ['appcmd.exe'] });
    kernel.findMarks(0, true);
    const runs: Array<[number, number, number]> = [];
    for (let at = 0, mark = 0; at < bytes.length; ) {
      at = kernel.run(at, mark, 1 << 20);
      mark = kernel.runMark;
      runs.push([at, kernel.runSkipped, kernel.runSettled]);
      expect(kernel.runEnd).toBe(-1);
      expect(kernel.settledAt(kernel.runSettled - 1)).toBe(at - event.length);
    }
    expect(runs).toEqual([
      [256 * event.length, 256, 256],
      [512 * event.length, 256, 256],
      [600 * event.length, 88, 88],
    ]);
  });

  it('scans bytes in its resident buffers where they lie, exactly as a copy of them', () => {
    fc.assert(
      fc.property(tagText, fc.nat(), fc.nat(), fc.boolean(), (bytes, a, b, fold) => {
        const resident = new ScanKernel();
        const [buffer] = resident.residentBuffers(2, 4096, 8192);
        const at = a % (4096 - bytes.length + 1);
        (buffer as Buffer).fill(0x76);
        (buffer as Buffer).set(bytes, at);
        resident.load((buffer as Buffer).subarray(at, at + bytes.length), true);
        const copied = new ScanKernel();
        copied.load(bytes);
        // Not final: the bytes after the input are the next ones read, never zeros (ScanKernel.load).
        expect(kernelMarks(resident, 0, false)).toEqual(kernelMarks(copied, 0, false));
        const to = b % (bytes.length + 1);
        expect(resident.countNewlines(0, to)).toBe(copied.countNewlines(0, to));
        expect(resident.find('Event', fold, 0, to)).toBe(copied.find('Event', fold, 0, to));
      }),
      { numRuns: 500 },
    );
  });

  it('never grows its memory once it handed out resident buffers: they stay usable, and a larger input is an error', () => {
    const kernel = new ScanKernel();
    const buffers = kernel.residentBuffers(4, 65_536, 100_000);
    expect(kernel.residentBuffers(4, 65_536, 100_000)).toBe(buffers);
    kernel.load(Buffer.alloc(100_000, 0x20));
    expect(buffers.every((b) => b.length === 65_536)).toBe(true);
    expect(() => kernel.load(Buffer.alloc(100_001, 0x20))).toThrow(RangeError);
    expect(buffers.every((b) => b.length === 65_536)).toBe(true);
    // A layout for gigabyte events is not made: none are handed out, and inputs are copied as before.
    const large = new ScanKernel();
    expect(large.residentBuffers(4, 1 << 20, 2_000_000_000)).toEqual([]);
    large.load(Buffer.from('<Event x></Event>', 'latin1'));
    expect(kernelMarks(large, 0, true).marks).toEqual([
      { at: 0, kind: 'start' },
      { at: 9, kind: 'end' },
    ]);
  });

  it('takes no run when there are more EventIDs to deliver than its table holds', () => {
    const kernel = new ScanKernel();
    kernel.setRunIds(new Set(Array.from({ length: 17 }, (_, i) => i)));
    expect(kernel.runs).toBe(false);
    kernel.setRunIds(new Set([1, 4688]));
    expect(kernel.runs).toBe(true);
  });

  it('a folded search matches ASCII letters of either case and nothing else', () => {
    const kernel = new ScanKernel();
    kernel.load(Buffer.from('x APPCMD.EXE y', 'latin1'));
    expect(kernel.find('appcmd.exe', true, 0, 14)).toBe(2);
    expect(kernel.find('appcmd.exe', false, 0, 14)).toBe(-1);
    kernel.load(Buffer.from('appcmd\u00ae', 'latin1'));
    // 0xAE | 0x20 is 0xAE, but '.' (0x2E) must match only itself.
    expect(kernel.find('appcmd.', true, 0, 7)).toBe(-1);
    kernel.load(Buffer.from('[@', 'latin1'));
    expect(kernel.find('{`', true, 0, 2)).toBe(-1);
  });
});

describe('TagMarks', () => {
  it('answers "the first mark at or after" for positions asked in any order, through any mark capacity', () => {
    fc.assert(
      fc.property(tagText, fc.boolean(), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, final, capacity, asks) => {
        const window = new ScanWindow();
        window.push(bytes, () => undefined);
        const marks = new TagMarks(capacity);
        marks.sync(window, 0, final);
        const { marks: expected } = referenceMarks(window.bytes, 0, final);
        const length = window.bytes.length;
        for (const ask of asks) {
          const from = ask % (length + 2);
          const first = expected.find((m) => m.at >= from);
          const at = marks.next(from);
          expect(at).toBe(first?.at ?? -1);
          if (first !== undefined) {
            expect(marks.kind).toBe(first.kind);
          } else {
            // Where to search again: not before `from`, and not past a '<' at or after it that is still undecided.
            let undecided = length;
            for (let q = Math.max(from, length - 8); !final && q < length; q += 1) {
              if (window.bytes[q] === 0x3c) {
                undecided = q;
                break;
              }
            }
            expect(marks.resume).toBeGreaterThanOrEqual(Math.min(from, length));
            expect(marks.resume).toBeLessThanOrEqual(Math.max(undecided, from));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads every mark of a window in order through any mark capacity, then resumes where the kernel stopped', () => {
    fc.assert(
      fc.property(tagText, fc.boolean(), fc.integer({ min: 1, max: 5 }), (bytes, final, capacity) => {
        const window = new ScanWindow();
        window.push(bytes, () => undefined);
        const marks = new TagMarks(capacity);
        marks.sync(window, 0, final);
        const seen: Mark[] = [];
        for (let at = marks.next(0); at >= 0; at = marks.next(at + 1)) seen.push({ at, kind: marks.kind });
        const expected = referenceMarks(window.bytes, 0, final);
        expect({ marks: seen, resume: marks.resume }).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
