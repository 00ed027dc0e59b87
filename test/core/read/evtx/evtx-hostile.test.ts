/**
 * Hostile and damaged EVTX input: truncation, zeroed or garbled chunks, offsets pointing anywhere, deep nesting,
 * exponential template expansion, random mutations. The reader must never throw or hang, must locate every
 * problem, and must still yield every record the damage did not touch, unchanged.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readEvtxEvents } from '../../../../functions/core/read/evtx/evtx-events.ts';
import type { Problem, RawEvent, ReadItem } from '../../../../functions/core/read/raw-event.ts';
import { BinXmlWriter, buildChunk, buildFile, resealChunk, sysmonLikeEvent, utf16le, type RecordBody } from './evtx-builder.ts';
import { fixture, readAll } from './evtx-fixtures.ts';

const appcmd = fixture('appcmd-discovery.evtx.gz');
const CHUNK = (i: number): number => 4096 + i * 65536;

async function readBytes(bytes: Uint8Array): Promise<{ events: RawEvent[]; problems: Problem[] }> {
  const { events, problems } = await readAll(bytes);
  return { events, problems };
}

const byRecord = (events: RawEvent[]): Map<number | undefined, RawEvent> => new Map(events.map((e) => [e.location.record, e]));
const reasons = new Set(['oversize-event', 'corrupt-evtx']);

/**
 * Every item is well-formed: events carry chunk and record, problems a known reason, a numeric offset, and come from
 * a bounds check (a non-EvtxFormatError failure would be a parser defect, reported as "unexpected parser failure").
 */
function wellFormed(item: ReadItem): boolean {
  if (item.ok) return typeof item.event.location.chunk === 'number' && typeof item.event.location.record === 'number';
  const p = item.problem;
  return reasons.has(p.reason) && Number.isInteger(p.location.offset) && p.message.length > 0 && !p.message.includes('unexpected parser failure');
}

describe('damaged real files', async () => {
  const full = await readBytes(appcmd);
  const fullById = byRecord(full.events);
  const chunkOf = (e: RawEvent): number => e.location.chunk ?? -1;

  it.each([
    ['empty file', 0, 0],
    ['inside the file header', 100, 0],
    ['one byte short of the header', 4095, 0],
    ['right after the header', 4096, 0],
    ['inside chunk 0', 4096 + 30_000, 3],
    ['inside chunk 2', CHUNK(2) + 40_000, 23],
    ['at the end of chunk 3', CHUNK(4), 36],
    ['one byte short of the end', appcmd.length - 1, 40],
  ])('truncated %s (%i bytes): the records before the cut, unchanged, and a located problem', async (_label, cut, expectedEvents) => {
    const { events, problems } = await readBytes(appcmd.subarray(0, cut));
    expect(events).toHaveLength(expectedEvents);
    for (const e of events) expect(e).toEqual(fullById.get(e.location.record));
    // Cutting the preallocated zero chunks at the end loses nothing; anything else is reported.
    if (cut < CHUNK(5)) {
      expect(problems.length).toBeGreaterThan(0);
      // Located at or before the cut, or at the first chunk the file lacks.
      expect(problems.every((p) => p.reason === 'corrupt-evtx' && p.location.offset <= 4096 + Math.ceil(Math.max(0, cut - 4096) / 65536) * 65536)).toBe(true);
    } else expect(problems).toEqual([]);
  });

  it('a zeroed chunk counted by the header: one problem at that chunk, the other chunks intact', async () => {
    const bytes = appcmd.slice();
    bytes.fill(0, CHUNK(1), CHUNK(2));
    const { events, problems } = await readBytes(bytes);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.location).toEqual({ offset: CHUNK(1), chunk: 1 });
    expect(events).toEqual(full.events.filter((e) => chunkOf(e) !== 1));
    expect(events).toHaveLength(40 - 9);
  });

  it('a chunk with a destroyed signature: one problem, the next chunk is read', async () => {
    const bytes = appcmd.slice();
    bytes.set([0x58, 0x58, 0x58], CHUNK(3));
    const { events, problems } = await readBytes(bytes);
    expect(problems.map((p) => p.location)).toEqual([{ offset: CHUNK(3), chunk: 3 }]);
    expect(events).toEqual(full.events.filter((e) => chunkOf(e) !== 3));
  });

  it('random bytes over the records of one chunk: problems located in that chunk, every other chunk unchanged', async () => {
    const bytes = appcmd.slice();
    let seed = 7;
    for (let i = CHUNK(2) + 512 + 1000; i < CHUNK(2) + 30_000; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const { events, problems } = await readBytes(bytes);
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.location.chunk).toBe(2);
    expect(events.filter((e) => chunkOf(e) !== 2)).toEqual(full.events.filter((e) => chunkOf(e) !== 2));
    for (const e of events.filter((x) => chunkOf(x) === 2 && x.location.offset > CHUNK(2) + 30_000)) {
      expect(e).toEqual(fullById.get(e.location.record));
    }
  });

  it('a template definition offset pointing outside the chunk: that record is a problem, the rest parse', async () => {
    const bytes = appcmd.slice();
    const first = CHUNK(0) + 512;
    // Record data: fragment header (4 bytes), template-instance token, 1 byte, template id (4), definition offset.
    expect(bytes[first + 24 + 4]).toBe(0x0c);
    new DataView(bytes.buffer).setUint32(first + 24 + 4 + 6, 0x00ff_ffff, true);
    resealChunk(bytes.subarray(CHUNK(0), CHUNK(1)));
    const { events, problems } = await readBytes(bytes);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('outside the chunk');
    expect(problems[0]?.location).toMatchObject({ offset: first, chunk: 0, record: 1 });
    expect(events).toEqual(full.events.slice(1));
  });

  it('header and chunk checksum mismatches are reported but not fatal', async () => {
    const bytes = appcmd.slice();
    bytes[60] = 0x01; // inside the file header's checksummed first 120 bytes (unused field)
    bytes[CHUNK(1) + 100] = 0x01; // inside the chunk header's unused 64 bytes
    const { events, problems } = await readBytes(bytes);
    expect(events).toEqual(full.events);
    expect(problems.map((p) => p.location)).toEqual([{ offset: 0 }, { offset: CHUNK(1), chunk: 1 }]);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('file header checksum'), expect.stringContaining('header checksum')]);
  });

  it('an oversize record is an oversize-event problem, the others still come out', async () => {
    const items: ReadItem[] = [];
    async function* one(): AsyncGenerator<Uint8Array> {
      yield appcmd;
    }
    for await (const item of readEvtxEvents(one(), { maxEventBytes: 6000 })) items.push(item);
    const oversize = items.filter((i) => !i.ok);
    expect(oversize.length).toBeGreaterThan(0);
    expect(oversize.every((i) => !i.ok && i.problem.reason === 'oversize-event' && i.problem.location.record !== undefined)).toBe(true);
    expect(items.length).toBe(40);
  });
});

describe('hostile synthetic structures', () => {
  const good: RecordBody = (w) => sysmonLikeEvent(w, [{ name: 'Image', value: { type: 0x01, bytes: utf16le('C:\\good.exe') } }]);

  async function readChunkOf(records: RecordBody[]): Promise<{ events: RawEvent[]; problems: Problem[] }> {
    return readBytes(buildFile([buildChunk(records)]));
  }

  /** A BinXML value nested `depth` times: EventData's content is a fragment whose content is a fragment … */
  function nested(depth: number): RecordBody {
    return (w) => {
      w.fragmentHeader().template((t) => {
        t.fragmentHeader().open('Event').closeStart().open('EventData').closeStart().sub(0, 0x21).end().end().eof();
      }, []);
      w.out.length -= 4;
      const start = w.pos + 8;
      // Each level: fragment header, a template whose content is substitution 0, and one BinXML value: the next level.
      const writeLevel = (at: number, remaining: number): number[] => {
        const lw = new BinXmlWriter(at);
        if (remaining === 0) return lw.eof().out;
        lw.fragmentHeader();
        lw.template((t) => t.fragmentHeader().sub(0, 0x21).eof(), []);
        lw.out.length -= 4;
        const child = writeLevel(lw.pos + 8, remaining - 1);
        lw.u32(1).u16(child.length).u8(0x21, 0).u8(...child).eof();
        return lw.out;
      };
      const value = writeLevel(start, depth);
      w.u32(1).u16(value.length).u8(0x21, 0).u8(...value).eof();
    };
  }

  // Each level here is a BinXML value holding a template instance: two nesting levels of the parser's 64.
  it('BinXML nested 40 levels deep: a problem naming the nesting, no stack overflow, neighbours intact', async () => {
    const { events, problems } = await readChunkOf([good, nested(40), good]);
    expect(events.map((e) => e.location.record)).toEqual([1, 3]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/nested deeper than 64/);
    expect(problems[0]?.location.record).toBe(2);
  });

  it('BinXML nested 20 levels deep is still read', async () => {
    const { events, problems } = await readChunkOf([nested(20)]);
    expect(problems).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it('exponential template expansion ("billion laughs") is cut off quickly with a problem', async () => {
    // Template L0 = 40 Data elements; L(k) = 40 references to L(k-1): L4 expands to 40^5 ≈ 10^8 elements.
    const laughs: RecordBody = (w) => {
      const defs: number[] = [];
      w.fragmentHeader().open('Event').closeStart().open('EventData').closeStart();
      for (let level = 0; level <= 4; level++) {
        // Define each level once, inline, inside an instance the record also uses.
        w.template((t) => {
          defs.push(t.pos - 24);
          t.fragmentHeader();
          for (let i = 0; i < 40; i++) {
            if (level === 0) t.open('Data', { attributes: true }).attribute('Name').text('lol').closeStart().text('lol').end();
            else t.templateRef(defs[level - 1] as number, []);
          }
          t.eof();
        }, []);
      }
      w.end().end().eof();
    };
    const started = Date.now();
    const { events, problems } = await readChunkOf([laughs, good]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/expands to more than/);
    expect(events).toHaveLength(1);
  });

  it.each([
    ['a name offset beyond the chunk', (w: BinXmlWriter) => w.fragmentHeader().u8(0x01).u16(0xffff).u32(0).u32(70_000), 'outside the chunk'],
    ['a name offset inside the chunk header', (w: BinXmlWriter) => w.fragmentHeader().u8(0x01).u16(0xffff).u32(0).u32(100), 'outside the chunk'],
    ['a template reference into the chunk header', (w: BinXmlWriter) => w.fragmentHeader().templateRef(200, []).eof(), 'outside the chunk'],
    ['an unknown token', (w: BinXmlWriter) => w.fragmentHeader().u8(0x1f).eof(), 'unknown token'],
    ['an unknown value type', (w: BinXmlWriter) => w.fragmentHeader().template((t) => {
      t.fragmentHeader().open('Event').closeStart().open('EventData').closeStart();
      t.open('Data', { attributes: true }).attribute('Name').text('X').closeStart().sub(0, 0x01).end().end().end().eof();
    }, [{ type: 0x33, bytes: [1, 2] }]).eof(), 'unknown value type 0x33'],
    ['an end element with nothing open', (w: BinXmlWriter) => w.fragmentHeader().end().eof(), 'no open element'],
    ['a substitution count larger than the record', (w: BinXmlWriter) => {
      w.fragmentHeader().template((t) => t.fragmentHeader().open('Event').closeEmpty().eof(), []);
      w.out.length -= 4;
      w.u32(0x7fff_ffff).eof();
    }, 'substitution descriptors'],
    ['a template that instantiates itself', (w: BinXmlWriter) => {
      w.fragmentHeader().template((t) => {
        const self = t.pos - 24;
        t.fragmentHeader().templateRef(self, []).eof();
      }, []).eof();
    }, 'refers to itself'],
  ])('%s: a located problem, the next record still parses', async (_label, body, text) => {
    const { events, problems } = await readChunkOf([body as RecordBody, good]);
    expect(events.map((e) => e.location.record)).toEqual([2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.location).toMatchObject({ chunk: 0, record: 1, offset: 4096 + 512 });
    expect(problems[0]?.message).toContain(text);
  });
});

describe('fuzzing', () => {
  const twoChunks = appcmd.subarray(0, CHUNK(2));

  it('random byte mutations inside chunk 0 never throw or hang, and chunk 1 comes out unchanged', async () => {
    const intact = (await readBytes(twoChunks)).events.filter((e) => e.location.chunk === 1);
    expect(intact).toHaveLength(9);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 30 }), async (edits) => {
        const bytes = twoChunks.slice();
        for (const [at, value] of edits) bytes[CHUNK(0) + at] = value;
        const items: ReadItem[] = [];
        async function* one(): AsyncGenerator<Uint8Array> {
          yield bytes;
        }
        for await (const item of readEvtxEvents(one())) items.push(item);
        expect(items.every(wellFormed)).toBe(true);
        const chunk1 = items.flatMap((i) => (i.ok && i.event.location.chunk === 1 ? [i.event] : []));
        expect(chunk1).toEqual(intact);
      }),
      { numRuns: 150 },
    );
  });

  it('random mutations of a synthetic record covering every token never throw', async () => {
    const file = buildFile([buildChunk([(w) => sysmonLikeEvent(w, [{ name: 'A', value: { type: 0x01, bytes: utf16le('x') } }, { name: 'B', value: { type: 0x13, bytes: [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0] } }])])]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 4096 + 512, max: 4096 + 1400 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
        const bytes = file.slice();
        for (const [at, value] of edits) bytes[at] = value;
        const items: ReadItem[] = [];
        async function* one(): AsyncGenerator<Uint8Array> {
          yield bytes;
        }
        for await (const item of readEvtxEvents(one())) items.push(item);
        expect(items.length).toBeGreaterThan(0);
        expect(items.every(wellFormed)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), async (noise, withHeader) => {
        const bytes = withHeader ? new Uint8Array([...buildFile([]).subarray(0, 4096), ...noise]) : noise;
        const items: ReadItem[] = [];
        async function* one(): AsyncGenerator<Uint8Array> {
          yield bytes;
        }
        for await (const item of readEvtxEvents(one())) items.push(item);
        expect(items.every(wellFormed)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
