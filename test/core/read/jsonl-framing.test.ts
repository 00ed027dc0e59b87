/**
 * JSON record framing and the reader's handling of bad input: every layout the reader claims (JSON lines, CRLF, BOM,
 * pretty-printed objects, arrays, evtx_dump `Record n` separators), located problems for garbage, truncation,
 * invalid JSON, unknown shapes and over-long records, bounded buffering, and fast-check properties: every non-empty
 * line of a JSON-lines input is accounted for, garbage never throws. Records are real lines from the fixtures.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readJsonlEvents, type JsonlReaderOptions, type JsonlReaderStats } from '../../../functions/core/read/jsonl-events.ts';
import { JsonRecordFramer } from '../../../functions/core/read/jsonl-framing.ts';
import type { Problem, RawEvent } from '../../../functions/core/read/raw-event.ts';

const fixtureLines = (name: string): string[] =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/jsonl/${name}`, import.meta.url)), 'utf8').split('\n').filter((l) => l.length > 0);
const REAL = fixtureLines('otrf-aptsimulator.lines-1-30.json');
const R = REAL[0] as string; // one real NXLog/OTRF record, one line
const R2 = REAL[1] as string;
const P = JSON.stringify(JSON.parse(R), null, 2); // the same record pretty-printed (21+ lines)
const P_LINES = P.split('\n').length;

async function read(text: string | Uint8Array, options: JsonlReaderOptions = {}, pieceSize = 0): Promise<{ events: RawEvent[]; problems: Problem[]; stats: JsonlReaderStats }> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (pieceSize <= 0) yield bytes;
    else for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, i + pieceSize);
  }
  const stats: JsonlReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const events: RawEvent[] = [];
  const problems: Problem[] = [];
  for await (const item of readJsonlEvents(chunks(), { ...options, stats })) {
    if (item.ok) events.push(item.event);
    else problems.push(item.problem);
  }
  return { events, problems, stats };
}

describe('layouts', () => {
  it.each<[string, string, number[]]>([
    ['JSON lines (LF)', `${R}\n${R2}\n`, [1, 2]],
    ['CRLF line ends', `${R}\r\n${R2}\r\n`, [1, 2]],
    ['blank lines, indentation and trailing spaces', `\n\n${R}  \n\n  ${R2}\n\n`, [3, 5]],
    ['no final newline', `${R}\n${R2}`, [1, 2]],
    ['a UTF-8 BOM', `\uFEFF${R}\n${R2}\n`, [1, 2]],
    ['pretty-printed objects', `${P}\n${P}\n`, [1, 1 + P_LINES]],
    ['a pretty-printed object, then a JSON line', `${P}\n${R2}\n`, [1, 1 + P_LINES]],
    ['a pretty-printed JSON array', `[\n${P},\n${P}\n]\n`, [2, 2 + P_LINES]],
    ['a one-line JSON array', `[${R},${R2}]`, [1, 1]],
    ['two JSON arrays back to back', `[${R}]\n[\n${P}\n]`, [1, 3]],
    ["evtx_dump's Record separators", `Record 1\n${P}\nRecord 2\n${P}\n`, [2, 3 + P_LINES]],
  ])('%s', async (_label, text, lines) => {
    for (const pieceSize of [0, 1, 7, 4096]) {
      const { events, problems } = await read(text, {}, pieceSize);
      expect(problems).toEqual([]);
      expect(events.map((e) => e.location.line)).toEqual(lines);
      for (const e of events) expect(Buffer.from(text, 'utf8')[e.location.offset]).toBe(0x7b);
      expect(events[0]?.data['Image']).toBe('C:\\Windows\\System32\\PING.EXE');
    }
  });
});

describe('bad input: located problems, the good records still come out', () => {
  const big = JSON.stringify({ EventID: 1, SourceName: 'Microsoft-Windows-Sysmon', Hostname: 'h', TimeCreated: '2021-06-11T09:07:15.635Z', Pad: 'x'.repeat(20_000) });
  it.each<[string, string, JsonlReaderOptions, number, [Problem['reason'], number, string][]]>([
    ['a line that is not JSON', `${R}\nnot json at all\n${R2}\n`, {}, 2, [['invalid-json', 2, 'not a JSON object']]],
    ['a truncated JSON line', `${R.slice(0, 150)}\n${R2}\n`, {}, 1, [['invalid-json', 1, 'does not end it']]],
    ['a truncated line ending in a comma', `${R.slice(0, R.indexOf(',') + 1)}\n${R2}\n`, {}, 1, [['invalid-json', 1, '']]],
    ['invalid JSON between braces', `{"EventID": }\n${R2}\n`, {}, 1, [['invalid-json', 1, 'invalid JSON']]],
    ['an unknown shape', `{"foo": 1, "bar": {"baz": 2}}\n${R2}\n`, {}, 1, [['malformed-event', 1, 'top-level keys: foo, bar']]],
    ['a JSON value that is not an object', `{"Event": 5}\n[1,2]\n${R2}\n`, {}, 1, [['malformed-event', 1, 'keys: Event'], ['invalid-json', 2, 'not a JSON object']]],
    ['a JSON array that never closes', `[\n${R2}\n`, {}, 1, [['invalid-json', 1, 'ends inside the JSON array']]],
    ['a pretty-printed object cut short by the next record', `${P.split('\n').slice(0, 5).join('\n')}\n${R2}\n`, {}, 1, [['invalid-json', 1, 'column 0']]],
    ['the stream ending inside a pretty-printed object', `${R2}\n${P.slice(0, -40)}`, {}, 1, [['invalid-json', 2, 'ends inside a JSON object']]],
    ['an over-long line', `${big}\n${R2}\n`, { maxEventBytes: 10_000 }, 1, [['oversize-event', 1, 'over the 10000-byte limit']]],
    ['an over-long complete line', `${big}\n${R2}\n`, { maxEventBytes: 19_000 }, 1, [['oversize-event', 1, 'over the 19000-byte limit']]],
    ['an over-long pretty-printed object', `${JSON.stringify(JSON.parse(big), null, 2)}\n${R2}\n`, { maxEventBytes: 10_000 }, 1, [['oversize-event', 1, 'over the 10000-byte limit']]],
  ])('%s', async (_label, text, options, goodEvents, expected) => {
    const r2 = (await read(R2)).events[0];
    for (const pieceSize of [0, 3, 1000]) {
      const { events, problems, stats } = await read(text, options, pieceSize);
      expect(events).toHaveLength(goodEvents);
      // The good record after the damage is read exactly as on its own.
      expect(events.at(-1)?.data).toEqual(r2?.data);
      expect(problems.map((p) => [p.reason, p.location.line])).toEqual(expected.map(([reason, line]) => [reason, line]));
      problems.forEach((p, i) => expect(p.message).toContain(expected[i]?.[2] ?? ''));
      expect(stats.problems).toBe(problems.length);
      for (const p of problems) expect((p.excerpt ?? '').length).toBeLessThanOrEqual(200);
    }
  });

  it('an over-long line is skipped without being buffered', () => {
    const framer = new JsonRecordFramer({ record: () => undefined, problem: () => undefined }, { maxEventBytes: 1024 * 1024 });
    const piece = Buffer.alloc(64 * 1024, 0x61);
    framer.push(Buffer.from('{"x":"'));
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      framer.push(piece);
      peak = Math.max(peak, framer.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(1024 * 1024 + piece.length);
  });

  it('an over-long pretty-printed object is skipped without being buffered', () => {
    let records = 0;
    const framer = new JsonRecordFramer({ record: () => records++, problem: () => undefined }, { maxEventBytes: 100_000 });
    framer.push(Buffer.from('{\n  "a": [\n'));
    const piece = Buffer.from('    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",\n'.repeat(2000));
    let peak = 0;
    for (let i = 0; i < 100; i++) {
      framer.push(piece);
      peak = Math.max(peak, framer.bufferedBytes);
    }
    framer.push(Buffer.from('  "b"]\n}\n{"c": 1}\n'));
    framer.finish();
    expect(peak).toBeLessThanOrEqual(100_000 + piece.length);
    expect(records).toBe(1);
  });
});

describe('properties', () => {
  // Framing, not garbage: a line that is exactly `{` opens a pretty-printed object, `Record <n>` is evtx_dump's
  // separator, and a `[` as the stream's first content opens a JSON array.
  const garbageLine = fc.string({ maxLength: 80 }).filter((s) => !s.includes('\n') && s.trim() !== '{' && !s.trim().startsWith('[') && !/^Record \d+\s*$/.test(s.trim()));
  const line = fc.oneof(
    fc.constantFrom(...REAL),
    garbageLine,
    fc.constantFrom(...REAL).chain((r) => fc.integer({ min: 1, max: r.length - 1 }).map((n) => r.slice(0, n))).filter((s) => s.trim() !== '{'),
    fc.constant(''),
    fc.constant('   '),
  );

  it('JSON lines: events + problems + skipped = non-empty lines, however the input is cut and filtered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 25 }), fc.integer({ min: 0, max: 200 }), fc.boolean(), async (lines, pieceSize, filter) => {
        const text = lines.join('\n');
        const options: JsonlReaderOptions = filter ? { prefilter: (view) => (view.end - view.start) % 2 === 0 } : {};
        const { events, problems, stats } = await read(text, options, pieceSize);
        const nonEmpty = lines.filter((l) => l.trim().length > 0).length;
        expect(events.length + problems.length + stats.skipped).toBe(nonEmpty);
        expect(stats.problems).toBe(problems.length);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw and every item is located', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 100 }), async (bytes, pieceSize) => {
        const { events, problems } = await read(bytes, { maxEventBytes: 500 }, pieceSize);
        for (const p of problems) {
          expect(Number.isInteger(p.location.offset) && Number.isInteger(p.location.line)).toBe(true);
          expect(['invalid-json', 'malformed-event', 'oversize-event']).toContain(p.reason);
        }
        expect(events.every((e) => e.location.line !== undefined)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('random JSON objects, arrays and nesting never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.json(), { maxLength: 10 }), fc.boolean(), async (values, pretty) => {
        const text = values.map((v) => (pretty ? JSON.stringify(JSON.parse(v), null, 2) : v)).join('\n');
        await read(text, {}, 17);
      }),
      { numRuns: 200 },
    );
  });
});
