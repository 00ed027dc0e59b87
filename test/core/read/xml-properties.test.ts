import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunksOf, encode, fixtureBytes, rawEvents, readAll, readBytes, splitAt, type ReadResult } from './xml-fixtures.ts';

/** Real events of three files (LF, multi-line values, CRLF Security events). */
const POOL = ['credential-dumping-via-copy.log', 'pythonpath-modification.log', '4662-priv-events-crlf.txt'].flatMap((file) =>
  rawEvents(fixtureBytes('xml', file).toString('utf8')),
);

type Segment = { kind: 'event'; xml: string; id: string } | { kind: 'truncated'; xml: string } | { kind: 'garbage'; text: string };

const event = fc.integer({ min: 0, max: POOL.length - 1 }).map((i): Segment => {
  const xml = POOL[i] as string;
  return { kind: 'event', xml, id: /<EventRecordID>(\d+)</.exec(xml)?.[1] as string };
});
/** A real event cut after `<Event ` and before its end tag. */
const truncated = fc
  .tuple(fc.integer({ min: 0, max: POOL.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([i, at]): Segment => {
    const xml = POOL[i] as string;
    const cut = 7 + Math.floor(at * (xml.lastIndexOf('</Event>') - 7));
    return { kind: 'truncated', xml: xml.slice(0, cut) };
  });
/**
 * Text that cannot start or end an event (no `<`), and is not only whitespace. It must not hold `/>` nor start with `/`:
 * after a start tag cut right after `<Event ` it would make `<Event \na/>` or `<Event \n/>`, a complete (self-closing,
 * malformed) event, not an unclosed one.
 */
const garbage = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzEV0123456789 ,.;:!?"\'=&#/\\->{}[]\u00e9\u00ae'.split('')), minLength: 1, maxLength: 60 })
  .filter((text) => text.trim() !== '' && !text.trimStart().startsWith('/') && !text.includes('/>'))
  .map((text): Segment => ({ kind: 'garbage', text }));
const segments = fc.array(fc.oneof({ arbitrary: event, weight: 3 }, truncated, garbage), { maxLength: 12 });

function render(parts: Segment[]): string {
  return parts.map((part) => (part.kind === 'garbage' ? part.text : part.xml)).join('\n');
}

/** Stray runs the framing must report: garbage after a complete event or at the start, consecutive garbage being one run. */
function strayRuns(parts: Segment[]): number {
  let runs = 0;
  let previous: Segment['kind'] | undefined;
  let insideUnclosed = false;
  for (const part of parts) {
    if (part.kind === 'garbage' && !insideUnclosed && previous !== 'garbage') runs += 1;
    if (part.kind === 'truncated') insideUnclosed = true;
    if (part.kind === 'event') insideUnclosed = false;
    previous = part.kind;
  }
  return runs;
}

const cutsFor = (length: number) => fc.array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 20 });

function summary(result: ReadResult): unknown {
  return { items: result.items, stats: result.stats };
}

describe('XML reader properties', () => {
  it('never throws on arbitrary bytes, and chunk boundaries do not change the result', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }).chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
        async ([bytes, cuts]) => {
          const whole = await readBytes(bytes);
          const split = await readAll(splitAt(bytes, cuts));
          expect(summary(split)).toEqual(summary(whole));
          expect(whole.stats.bytes).toBe(bytes.length);
          expect(whole.stats.problems).toBe(whole.problems.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on XML-ish noise, and every complete element is accounted for exactly once', async () => {
    const token = fc.constantFrom('<Event ', '<Event>', '</Event>', '<Event/>', '<System>', '</System>', "<Data Name='a'>", '</Data>', '<!--', '-->', '<!DOCTYPE x [', ']>', '<![CDATA[', ']]>', '<?xml ?>', '<Events>', "'", '"', '&amp;', '\n', 'x', '\u00e9');
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 60 }), cutsFor(400), async (tokens, cuts) => {
        const bytes = Buffer.from(tokens.join(''));
        const full = await readBytes(bytes);
        const framedOnly = await readBytes(bytes, { prefilter: () => false });
        const split = await readAll(splitAt(bytes, cuts));
        expect(summary(split)).toEqual(summary(full));
        // Complete elements are the same with and without the prefilter; each one is an event or an event problem.
        expect(framedOnly.stats.events).toBe(full.stats.events);
        expect(framedOnly.stats.skipped).toBe(full.stats.events);
        expect(framedOnly.events).toEqual([]);
        const eventProblems = full.problems.length - framedOnly.problems.length;
        expect(full.events.length + eventProblems).toBe(full.stats.events);
      }),
      { numRuns: 300 },
    );
  });

  it('real events mixed with garbage and truncated events: every complete event read, each cut one unclosed', async () => {
    await fc.assert(
      fc.asyncProperty(segments, fc.constantFrom('utf-8', 'utf-16le-bom') as fc.Arbitrary<'utf-8' | 'utf-16le-bom'>, fc.array(fc.nat(), { maxLength: 8 }), async (parts, encoding, rawCuts) => {
        const bytes = encode(render(parts), encoding);
        const cuts = rawCuts.map((cut) => (bytes.length > 1 ? 1 + (cut % (bytes.length - 1)) : 1));
        const result = await readAll(splitAt(bytes, cuts));
        const complete = parts.filter((part): part is Extract<Segment, { kind: 'event' }> => part.kind === 'event');
        expect(result.events.map((e) => e.system.EventRecordID)).toEqual(complete.map((part) => part.id));
        const reasons = result.problems.map((problem) => problem.reason);
        expect(reasons.filter((reason) => reason === 'unclosed-event')).toHaveLength(parts.filter((part) => part.kind === 'truncated').length);
        expect(reasons.filter((reason) => reason === 'stray-content')).toHaveLength(strayRuns(parts));
        expect(reasons.filter((reason) => reason !== 'unclosed-event' && reason !== 'stray-content')).toEqual([]);
        expect(result.stats.events).toBe(complete.length);
      }),
      { numRuns: 200 },
    );
  });

  it('large chunks (read in place, only straddling bytes copied) give the same result as one buffer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ arbitrary: event, weight: 5 }, truncated, garbage), { minLength: 50, maxLength: 400 }), fc.integer({ min: 64 * 1024, max: 200 * 1024 }), async (parts, size) => {
        const bytes = Buffer.from(render(parts));
        const whole = await readBytes(bytes);
        const chunked = await readAll(chunksOf(bytes, size));
        expect(summary(chunked)).toEqual(summary(whole));
      }),
      { numRuns: 30 },
    );
  });

  it('the prefilter only skips: what it accepts comes out exactly as without it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 10 }), fc.func(fc.boolean()), async (parts, keep) => {
        const bytes = Buffer.from(render(parts));
        const full = await readBytes(bytes);
        const decisions: boolean[] = [];
        const filtered = await readBytes(bytes, {
          prefilter: ({ window, start, end }) => {
            const decision = keep(Buffer.from(window.subarray(start, end)).toString('latin1'));
            decisions.push(decision);
            return decision;
          },
        });
        expect(filtered.events).toEqual(full.events.filter((_, i) => decisions[i]));
        expect(filtered.stats.skipped).toBe(decisions.filter((decision) => !decision).length);
      }),
      { numRuns: 100 },
    );
  });
});
