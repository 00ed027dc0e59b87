import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, oracle, rawEvents, readAll, readBytes } from './xml-fixtures.ts';

const REAL = fixtureBytes('xml', 'pythonpath-modification.log').toString('utf8');
const [FIRST, SECOND] = rawEvents(REAL) as [string, string];
const MIB = 1024 * 1024;

describe('DTDs are reported and skipped, never read', () => {
  const billionLaughs = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE lolz [',
    ' <!ENTITY lol "lol">',
    ...Array.from({ length: 8 }, (_, i) => ` <!ENTITY lol${i + 2} "${`&lol${i === 0 ? '' : i + 1};`.repeat(10)}">`),
    ']>',
    FIRST.replace(/<Data Name='Details'>[^<]*</, "<Data Name='Details'>&lol9;<"),
  ].join('\n');

  it('billion laughs: one forbidden-dtd problem, the event read with the reference as literal text', async () => {
    const { events, problems } = await readBytes(Buffer.from(billionLaughs));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ reason: 'forbidden-dtd', location: { offset: billionLaughs.indexOf('<!DOCTYPE'), line: 2 } });
    expect(problems[0]?.excerpt?.startsWith('<!DOCTYPE lolz [')).toBe(true);
    expect(problems[0]?.excerpt?.length).toBeLessThanOrEqual(200);
    expect(events).toHaveLength(1);
    expect(events[0]?.data.Details).toBe('&lol9;');
  });

  it('external entity: SYSTEM "file:///etc/passwd" is never fetched', async () => {
    const xml = `<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${FIRST.replace(/<Computer>[^<]*</, '<Computer>&xxe;<')}`;
    const { events, problems } = await readBytes(Buffer.from(xml));
    expect(problems.map((problem) => problem.reason)).toEqual(['forbidden-dtd']);
    expect(events[0]?.system.Computer).toBe('&xxe;');
    expect(JSON.stringify(events)).not.toMatch(/root:/);
  });

  it('quotes and comments in the internal subset do not end it early, so an event inside an entity value is not read', async () => {
    const fake = FIRST.replace('<EventRecordID>45122<', '<EventRecordID>666<');
    const xml = `<!DOCTYPE x [<!-- don't > stop --><!ENTITY a "${fake.replace(/"/g, "'")}">]>\n${SECOND}`;
    const { events, problems } = await readBytes(Buffer.from(xml));
    expect(problems.map((problem) => problem.reason)).toEqual(['forbidden-dtd']);
    expect(events.map((event) => event.system.EventRecordID)).toEqual([/<EventRecordID>(\d+)</.exec(SECOND)?.[1]]);
  });

  it('an unterminated DTD is reported once and reading resumes at the next event', async () => {
    const xml = `<!DOCTYPE x [ <!ENTITY a "never closed ${'x'.repeat(5000)}\n${FIRST}\n${SECOND}`;
    const { events, problems } = await readBytes(Buffer.from(xml), { maxEventBytes: 4096 });
    expect(problems.map((problem) => problem.reason)).toEqual(['forbidden-dtd']);
    expect(problems[0]?.message).toMatch(/unterminated within 4096 bytes/);
    expect(events).toHaveLength(2);
  });
});

/** Chunks of `size` bytes of one byte value, the same buffer again and again, so only the reader allocates. */
async function* filler(prefix: string, total: number, suffix: string, peak: { bytes: number }): AsyncGenerator<Uint8Array> {
  const baseline = process.memoryUsage().arrayBuffers;
  const chunk = Buffer.alloc(MIB, 'A');
  yield Buffer.from(prefix);
  for (let sent = 0; sent < total; sent += chunk.length) {
    yield chunk;
    peak.bytes = Math.max(peak.bytes, process.memoryUsage().arrayBuffers - baseline);
  }
  yield Buffer.from(suffix);
}

describe('bounded memory', () => {
  it('skips a 64 MB single-line event without buffering it, then reads the next event', async () => {
    const peak = { bytes: 0 };
    const head = FIRST.slice(0, FIRST.indexOf('</EventData>'));
    const { events, problems, stats } = await readAll(filler(head, 64 * MIB, `</EventData></Event>\n${SECOND}`, peak));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ reason: 'oversize-event', location: { offset: 0, line: 1 } });
    expect(problems[0]?.excerpt).toBe(FIRST.slice(0, 200));
    expect(events.map((event) => event.location.line)).toEqual([2]);
    expect(stats.bytes).toBeGreaterThan(64 * MIB);
    // maxEventBytes (1 MiB) + one chunk (1 MiB), with the window's doubling allocator: far below the 64 MB input.
    expect(peak.bytes).toBeLessThan(8 * MIB);
  });

  it('reports 64 MB of stray bytes once, without buffering them', async () => {
    const peak = { bytes: 0 };
    const { events, problems } = await readAll(filler('', 64 * MIB, `\n${SECOND}`, peak));
    expect(problems.map((problem) => problem.reason)).toEqual(['stray-content']);
    expect(problems[0]?.excerpt).toBe('A'.repeat(200));
    expect(events).toHaveLength(1);
    expect(peak.bytes).toBeLessThan(8 * MIB);
  });

  it('reports an event never closed before 64 MB of input end as oversize, not buffered', async () => {
    const peak = { bytes: 0 };
    const { events, problems } = await readAll(filler(FIRST.slice(0, 300), 64 * MIB, '', peak));
    expect(problems.map((problem) => problem.reason)).toEqual(['oversize-event']);
    expect(events).toEqual([]);
    expect(peak.bytes).toBeLessThan(8 * MIB);
  });
});

describe('resynchronisation', () => {
  it('an unclosed event, then a good one', async () => {
    const cut = FIRST.slice(0, FIRST.indexOf('<EventData>'));
    const text = `${cut}\n${SECOND}\n`;
    const { events, problems, stats } = await readBytes(Buffer.from(text));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ reason: 'unclosed-event', location: { offset: 0, line: 1 } });
    expect(problems[0]?.message).toContain(`before the next <Event at byte offset ${cut.length + 1}`);
    expect(events.map((event) => event.location)).toEqual([{ offset: cut.length + 1, line: 2 }]);
    expect(stats).toMatchObject({ events: 1, problems: 1 });
  });

  it('an event cut by the end of the input', async () => {
    const { problems } = await readBytes(Buffer.from(`${SECOND}\n${FIRST.slice(0, 500)}`));
    expect(problems.map((problem) => [problem.reason, problem.location.line])).toEqual([['unclosed-event', 2]]);
    expect(problems[0]?.message).toContain('before the end of the input');
  });

  it('oversize events are skipped and the rest are read (maxEventBytes 2,500 over real events of 1.2–3.1 KB)', async () => {
    const text = fixtureBytes('xml', 'credential-dumping-via-copy.log').toString('utf8');
    const raws = rawEvents(text);
    const expected = oracle(text);
    const { events, problems } = await readBytes(Buffer.from(text), { maxEventBytes: 2500 });
    const big = raws.map((raw, i) => [Buffer.byteLength(raw) > 2500, expected[i]?.offset] as const);
    expect(big.some(([oversize]) => oversize) && big.some(([oversize]) => !oversize)).toBe(true);
    expect(problems.map((problem) => [problem.reason, problem.location.offset])).toEqual(big.filter(([o]) => o).map(([, offset]) => ['oversize-event', offset]));
    expect(events.map((event) => event.location.offset)).toEqual(big.filter(([o]) => !o).map(([, offset]) => offset));
  });

  it('a self-closing <Event/> is a malformed event; a spaced end tag </Event > is fine', async () => {
    const spaced = SECOND.replace(/<\/Event>$/, '</Event  >');
    const text = `<Event/>\n${FIRST}\n${spaced}\n`;
    const { events, problems } = await readBytes(Buffer.from(text));
    expect(problems.map((problem) => [problem.reason, problem.location.offset])).toEqual([['malformed-event', 0]]);
    expect(events).toHaveLength(2);
  });

  it('an `<Events>` wrapper, a declaration and comments are not stray; other markup is', async () => {
    const text = `<?xml version="1.0"?>\n<Events>\n<!-- c -->\n${FIRST}\n<Other>x</Other>\n${SECOND}\n</Events>\n`;
    const { events, problems } = await readBytes(Buffer.from(text));
    expect(events).toHaveLength(2);
    expect(problems.map((problem) => [problem.reason, problem.excerpt])).toEqual([['stray-content', '<Other>x</Other>']]);
  });
});

describe('garbage', () => {
  /** Deterministic pseudo-random bytes (xorshift32). */
  function noise(length: number, seed: number): Buffer {
    const out = Buffer.alloc(length);
    let x = seed;
    for (let i = 0; i < length; i += 1) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  }

  it.each([1, 2, 3])('8 MB of random bytes (seed %i): a handful of problems, no events, no throw', async (seed) => {
    const { events, problems } = await readBytes(noise(8 * MIB, seed));
    expect(events).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.length).toBeLessThanOrEqual(3);
    for (const problem of problems) expect(problem.excerpt?.length ?? 0).toBeLessThanOrEqual(200);
  });

  it('deep nesting between events is one stray run', async () => {
    const text = `${'<a>'.repeat(100_000)}\n${FIRST}\n`;
    const { events, problems } = await readBytes(Buffer.from(text));
    expect(problems.map((problem) => problem.reason)).toEqual(['stray-content']);
    expect(events).toHaveLength(1);
  });

  it('thousands of unterminated comments and unclosed starts stay linear and each is reported once', async () => {
    const text = `${'<!-- x '.repeat(20_000)}\n${"<Event xmlns='x'>".repeat(20_000)}\n${FIRST}`;
    const { events, problems } = await readBytes(Buffer.from(text));
    expect(problems.filter((problem) => problem.reason === 'stray-content')).toHaveLength(1);
    // Each start is unclosed: the next start (the last one's is FIRST's) comes before any end tag.
    expect(problems.filter((problem) => problem.reason === 'unclosed-event')).toHaveLength(20_000);
    expect(problems).toHaveLength(20_001);
    expect(events.map((event) => event.system.EventRecordID)).toEqual(['45122']);
  });
});
