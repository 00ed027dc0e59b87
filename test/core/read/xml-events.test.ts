import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openStreams } from '../../../functions/core/read/decompress.ts';
import { LAYOUTS, asExpected, chunksOf, encode, fixtureBytes, oracle, rawEvents, readAll, readBytes } from './xml-fixtures.ts';

/** Real files and their event counts as MANIFEST.md lists them. */
const FILES = [
  ['credential-dumping-via-copy.log', 17],
  ['pythonpath-modification.log', 2],
  ['iis-appcmd-discovery.xml.log', 40],
  ['4662-priv-events-crlf.txt', 16],
] as const;

describe.each(FILES)('%s', (file, count) => {
  const bytes = fixtureBytes('xml', file);
  const text = bytes.toString('utf8');
  const expected = oracle(text);

  it('holds as many events as the manifest and the raw text say', () => {
    expect(expected).toHaveLength(count);
    expect(text.split('<Event xmlns=').length - 1).toBe(count);
  });

  it.each(Object.keys(LAYOUTS))('layout "%s": every event, located, with the values the raw text holds', async (layout) => {
    const variant = (LAYOUTS[layout] as (t: string) => string)(text);
    const result = await readBytes(encode(variant, 'utf-8'));
    expect(result.problems).toEqual([]);
    expect(result.events.map(asExpected)).toEqual(oracle(variant));
    // Whatever the layout, the same events in the same order.
    const ids = result.events.map((event) => event.system.EventRecordID);
    expect(ids.slice(0, count)).toEqual(expected.map((event) => event.system.EventRecordID));
    expect(result.events.map((event) => event.data.Image).slice(0, count)).toEqual(expected.map((event) => event.data.Image));
  });

  it.each(['utf-16le-bom', 'utf-16le'] as const)('%s: transcoded, offsets count UTF-8 bytes of the text after the BOM', async (encoding) => {
    const result = await readBytes(encode(text, encoding));
    expect(result.problems).toEqual([]);
    expect(result.events.map(asExpected)).toEqual(expected);
    expect(result.stats.bytes).toBe(encode(text, encoding).length);
  });

  it.each([1, 3, 64, 1000, 70_000])('split into %i-byte chunks: the same items as whole', async (size) => {
    const whole = await readBytes(bytes);
    const split = await readAll(chunksOf(bytes, size));
    expect(split.items).toEqual(whole.items);
    expect(split.stats).toEqual(whole.stats);
  });

  it('counts bytes and events', async () => {
    const { stats } = await readBytes(bytes);
    expect(stats).toEqual({ bytes: bytes.length, events: count, skipped: 0, problems: 0 });
  });

  it('hands the prefilter exactly each event, `<Event` to `</Event>`', async () => {
    const seen: string[] = [];
    await readBytes(bytes, { prefilter: ({ window, start, end }) => (seen.push(Buffer.from(window.subarray(start, end)).toString('utf8')), true) });
    expect(seen).toEqual(rawEvents(text));
  });

  it('skips what the prefilter rejects: counted, not parsed, not yielded', async () => {
    const keep = expected.map((event) => event.system.EventRecordID).filter((_, i) => i % 2 === 0);
    const result = await readBytes(bytes, {
      prefilter: ({ window, start, end }) => keep.some((id) => Buffer.from(window.subarray(start, end)).includes(`<EventRecordID>${id}<`)),
    });
    expect(result.events.map((event) => event.system.EventRecordID)).toEqual(keep);
    expect(result.stats).toMatchObject({ events: count, skipped: count - keep.length, problems: 0 });
  });
});

describe('real layouts', () => {
  it('reads the CommandLine that spans lines, raw newlines kept, and locates the events after it', async () => {
    const text = fixtureBytes('xml', 'credential-dumping-via-copy.log').toString('utf8');
    const { events } = await readBytes(Buffer.from(text));
    const multiLine = events.filter((event) => event.data.CommandLine?.includes('\n'));
    expect(multiLine).toHaveLength(1);
    const raw = /<Data Name='CommandLine'>([^<]*\n[^<]*)<\/Data>/.exec(text)?.[1] as string;
    expect(multiLine[0]?.data.CommandLine).toBe(raw.replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    // 17 events over 20 lines: the three extra lines belong to that one event.
    expect(events.at(-1)?.location.line).toBe(20);
  });

  it('reports each run of stray bytes once: a file quoted as a JSON string with literal \\n between events', async () => {
    const text = fixtureBytes('xml', 't1003-test-quoted.log').toString('utf8');
    const result = await readBytes(Buffer.from(text));
    const runs = text.split(/<Event[\s>][\s\S]*?<\/Event>/).filter((run) => run.trim() !== '');
    expect(runs).toEqual(['"', '\\n', '\\n', '\\n', '\\n', '\\n"']);
    expect(result.events).toHaveLength(5);
    expect(result.events.map(asExpected)).toEqual(oracle(text));
    expect(result.problems.map((problem) => [problem.reason, problem.excerpt])).toEqual(runs.map((run) => ['stray-content', run]));
    expect(result.problems[1]?.message).toMatch(/2 bytes that are not an <Event> element \(at line 1, byte offset \d+\)/);
    expect(result.problems[1]?.location.offset).toBe(text.indexOf('</Event>') + '</Event>'.length);
  });

  it('keeps Security events without UserID and values made of CRLF and tabs as written', async () => {
    const text = fixtureBytes('xml', '4662-priv-events-crlf.txt').toString('utf8');
    const { events } = await readBytes(Buffer.from(text));
    expect(events[0]?.system.UserID).toBeUndefined();
    expect(events[0]?.data.AccessList).toBe('%%7688\r\n\t\t\t\t');
    expect(events[0]?.data.AdditionalInfo2).toBe('');
  });
});

describe('UTF-16LE transcoding', () => {
  it('keeps surrogate pairs and multi-byte characters split across 1-byte chunks', async () => {
    const text = rawEvents(fixtureBytes('xml', 'pythonpath-modification.log').toString('utf8'))[0]?.replace(/<Data Name='Details'>[^<]*</, "<Data Name='Details'>😀 é ® 中<") as string;
    const result = await readAll(chunksOf(encode(text, 'utf-16le-bom'), 1));
    expect(result.problems).toEqual([]);
    expect(result.events[0]?.data.Details).toBe('😀 é ® 中');
  });

  it('a lone surrogate or a dangling odd byte becomes U+FFFD, not a problem', async () => {
    const text = rawEvents(fixtureBytes('xml', 'pythonpath-modification.log').toString('utf8'))[0]?.replace(/<Data Name='Details'>[^<]*</, "<Data Name='Details'>a\uD800b<") as string;
    const bytes = Buffer.concat([encode(text, 'utf-16le-bom'), Buffer.from([0x41])]);
    const result = await readAll(chunksOf(bytes, 7));
    expect(result.events[0]?.data.Details).toBe('a\uFFFDb');
    expect(result.problems.map((problem) => problem.reason)).toEqual(['stray-content']);
  });
});

describe('through every packaging', () => {
  const original = fixtureBytes('xml', 'credential-dumping-via-copy.log');
  const expected = oracle(original.toString('utf8'));
  const crlfBom = encode(LAYOUTS.CRLF?.(`\uFEFF${original.toString('utf8')}`) as string, 'utf-8');
  it.each([
    ['plain', original, expected],
    ['gzip -9 (CLI)', fixtureBytes('compressed', 'credential-dumping-via-copy.log.gz'), expected],
    ['zstd -19 (CLI)', fixtureBytes('compressed', 'credential-dumping-via-copy.log.zst'), expected],
    ['zip from a pipe (data descriptor)', fixtureBytes('compressed', 'streamed.zip'), expected],
    ['CRLF + BOM, gzip (zlib)', gzipSync(crlfBom), oracle(crlfBom.toString('utf8'))],
    ['UTF-16LE, gzip (zlib)', gzipSync(encode(original.toString('utf8'), 'utf-16le-bom')), expected],
  ])('%s: the same events, located in the decoded stream', async (_case, bytes, want) => {
    const events = [];
    for await (const stream of openStreams(chunksOf(bytes, 4096))) events.push(...(await readAll(stream.chunks)).events);
    expect(events.map(asExpected)).toEqual(want);
    expect(events.map((event) => event.data.CommandLine)).toEqual(expected.map((event) => event.data.CommandLine?.replace(/\n/g, _case.startsWith('CRLF') ? '\r\n' : '\n')));
  });
});
