/**
 * tar archives (GNU, pax and ustar, as GNU tar 1.34 writes them; test/fixtures/compressed/SOURCES.md), plain, gzip- or
 * zstd-compressed: one stream per regular file member with the original bytes, long names from every naming scheme,
 * members decoded one more level, events through openEvents, and damage (truncation, a broken header, random
 * mutations, a bomb) ending in typed, located errors.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptCompressionError, TooLargeError, openStreams } from '../../../functions/core/read/decompress.ts';
import { openEvents, type ReaderStats } from '../../../functions/core/read/open-events.ts';
import { CorruptTarError, isTarHeader } from '../../../functions/core/read/tar-entries.ts';
import type { ByteChunks } from '../../../functions/core/read/raw-event.ts';
import { chunksOf, fixtureBytes } from './xml-fixtures.ts';

const CREDENTIAL = fixtureBytes('xml', 'credential-dumping-via-copy.log');
const PYTHONPATH = fixtureBytes('xml', 'pythonpath-modification.log');
const APTSIM = readFileSync(fileURLToPath(new URL('../../fixtures/jsonl/otrf-aptsimulator.lines-1-30.json', import.meta.url)));
const LONG = 'logs/sub/otrf-aptsimulator.lines-1-30-with-a-member-name-longer-than-the-hundred-bytes-a-ustar-name-field-holds.json';
const TAR_GZ = fixtureBytes('compressed', 'logs.tar.gz');
const TAR = gunzipSync(TAR_GZ);

interface Opened {
  entry: string | undefined;
  compression: string;
  inner: string | undefined;
  bytes: Buffer;
  error?: unknown;
}

async function openAll(input: ByteChunks, maxBytes?: number): Promise<{ streams: Opened[]; error?: unknown }> {
  const streams: Opened[] = [];
  try {
    for await (const stream of openStreams(input, maxBytes === undefined ? {} : { maxBytes })) {
      const opened: Opened = { entry: stream.entry, compression: stream.compression, inner: stream.inner, bytes: Buffer.alloc(0) };
      const parts: Uint8Array[] = [];
      try {
        for await (const chunk of stream.chunks) parts.push(chunk);
      } catch (error) {
        opened.error = error;
      }
      opened.bytes = Buffer.concat(parts);
      streams.push(opened);
    }
  } catch (error) {
    return { streams, error };
  }
  return { streams };
}

async function events(bytes: Uint8Array): Promise<{ ids: string[]; problems: string[]; streams: string[]; error?: unknown }> {
  const stats: ReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const out = { ids: [] as string[], problems: [] as string[], streams: [] as string[] };
  try {
    for await (const item of openEvents(chunksOf(bytes, 4096), { maxEventBytes: 1 << 20, stats, onStream: (s) => out.streams.push(`${s.entry}:${s.compression}:${s.format}`) })) {
      // The OTRF JSON records carry no record id: their line in the member stands in.
      if (item.ok) out.ids.push(item.event.system.EventRecordID ?? `line ${item.event.location.line}`);
      else out.problems.push(`${item.problem.reason} ${item.problem.location.entry} ${item.problem.message}`);
    }
  } catch (error) {
    return { ...out, error };
  }
  return out;
}

const recordIds = (bytes: Buffer): string[] => Array.from(bytes.toString('utf8').matchAll(/<EventRecordID>(\d+)</g), (m) => m[1] as string);

describe('tar members as streams', () => {
  it.each([
    ['logs.tar.gz', 'gzip', LONG],
    ['logs-pax.tar.zst', 'zstd', LONG],
  ])('%s: every regular file in order, directories skipped, long name, a gzip member decoded, any input chunking', async (file, compression, long) => {
    for (const size of [1, 511, 4096, 1 << 20]) {
      const { streams, error } = await openAll(chunksOf(fixtureBytes('compressed', file), size));
      expect(error).toBeUndefined();
      expect(streams.map((s) => [s.entry, s.compression, s.inner, s.error])).toEqual([
        ['logs/credential-dumping-via-copy.log', compression, undefined, undefined],
        ['logs/pythonpath-modification.log.gz', compression, 'gzip', undefined],
        [long, compression, undefined, undefined],
      ]);
      expect(streams.map((s) => s.bytes)).toEqual([CREDENTIAL, PYTHONPATH, APTSIM]);
    }
  });

  it('an uncompressed ustar archive: the name joined from the prefix and name fields', async () => {
    const { streams, error } = await openAll(chunksOf(fixtureBytes('compressed', 'prefix.ustar.tar'), 700));
    expect(error).toBeUndefined();
    expect(streams.map((s) => [s.entry, s.compression])).toEqual([
      ['a-directory-path-long-enough-that-ustar-must-split-it-into-the-prefix-field/and-one-more-level/pythonpath-modification.log', 'none'],
    ]);
    expect(streams[0]?.bytes).toEqual(PYTHONPATH);
  });

  it('a member left unread is skipped, the next one still reads', async () => {
    const seen: string[] = [];
    let last: Buffer | undefined;
    for await (const stream of openStreams(chunksOf(TAR_GZ, 300))) {
      seen.push(stream.entry as string);
      if (stream.entry === LONG) {
        const parts: Uint8Array[] = [];
        for await (const chunk of stream.chunks) parts.push(chunk);
        last = Buffer.concat(parts);
      } else for await (const _ of stream.chunks) break;
    }
    expect(seen).toHaveLength(3);
    expect(last).toEqual(APTSIM);
  });

  it('the header check: real headers pass; text, EVTX, zeros and a header with one byte changed do not', () => {
    expect(isTarHeader(TAR.subarray(0, 512))).toBe(true);
    expect(isTarHeader(fixtureBytes('compressed', 'prefix.ustar.tar').subarray(1024, 1536))).toBe(true);
    expect(isTarHeader(CREDENTIAL.subarray(0, 512))).toBe(false);
    expect(isTarHeader(Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(504)]))).toBe(false);
    expect(isTarHeader(Buffer.alloc(512))).toBe(false);
    const changed = Buffer.from(TAR.subarray(0, 512));
    changed[3] = (changed[3] as number) ^ 1;
    expect(isTarHeader(changed)).toBe(false);
    expect(isTarHeader(TAR.subarray(0, 511))).toBe(false);
  });
});

describe('tar members as events', () => {
  it('logs.tar.gz: each member sniffed on its own; every event of the three files, located in its member', async () => {
    const read = await events(TAR_GZ);
    expect(read.error).toBeUndefined();
    expect(read.problems).toEqual([]);
    expect(read.streams).toEqual(['logs/credential-dumping-via-copy.log:gzip:xml', 'logs/pythonpath-modification.log.gz:gzip:xml', `${LONG}:gzip:jsonl`]);
    // 17 + 2 XML events, 30 JSON records (SOURCES.md of xml/ and jsonl/); ids read off the files with a regex.
    expect(read.ids).toHaveLength(49);
    expect(read.ids).toEqual([...recordIds(CREDENTIAL), ...recordIds(PYTHONPATH), ...Array.from({ length: 30 }, (_, i) => `line ${i + 1}`)]);
  });
});

describe('damaged tar archives', () => {
  // Where each member's data starts in logs.tar (after its header; the long name's own header and block come first).
  const memberStarts = [1024, 41984 + 512, 45568 + 512];

  it.each([
    ['inside the first member', 20_000, 'logs/credential-dumping-via-copy.log'],
    ['inside the last member', 60_000, LONG],
  ])('a tar.gz cut %s: the members before the cut whole, then one problem in the member that was cut', async (_label, cut, member) => {
    const gz = gzipSync(TAR.subarray(0, cut), { level: 9 });
    const { streams, error } = await openAll(chunksOf(gz, 1000));
    expect(error).toBeUndefined();
    expect(streams.at(-1)?.entry).toBe(member);
    expect(streams.at(-1)?.error).toBeInstanceOf(CorruptTarError);
    expect((streams.at(-1)?.error as Error).message).toMatch(new RegExp(`^tar archive \\(gzip\\) cannot be read in member '${member.replace(/[.]/g, '\\.')}' at decoded byte ${cut}: truncated`));
    // What the member held up to the cut came out unchanged.
    const start = memberStarts[streams.length - 1] as number;
    expect(streams.at(-1)?.bytes).toEqual(TAR.subarray(start, cut));
  });

  it('a truncated gzip around a tar: the gzip fault, once, in the member it hit; the XML events before it still read', async () => {
    const cut = TAR_GZ.subarray(0, 3000);
    const read = await events(cut);
    expect(read.error).toBeUndefined();
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]).toMatch(/^corrupt-compression logs\/credential-dumping-via-copy\.log gzip data cannot be decoded near compressed byte \d+: truncated/);
    expect(read.ids.length).toBeGreaterThan(0);
    expect(read.ids).toEqual(recordIds(CREDENTIAL).slice(0, read.ids.length));
  });

  it('a broken header after the first member: that member reads, then the archive fails naming the offset', async () => {
    const tar = Buffer.from(TAR);
    tar[41984 + 10] = 0x7f; // inside the second header's name
    const { streams, error } = await openAll(chunksOf(gzipSync(tar), 4096));
    expect(streams.map((s) => [s.entry, s.error])).toEqual([['logs/credential-dumping-via-copy.log', undefined]]);
    expect(error).toBeInstanceOf(CorruptTarError);
    expect((error as Error).message).toBe('tar archive (gzip) cannot be read at decoded byte 41984: a header block with a bad checksum or no ustar magic');
  });

  it('a tar bomb (a member of 256 MiB of zeros in a ~260 KiB tar.gz) is stopped by maxBytes', async () => {
    const header = Buffer.from(TAR.subarray(512, 1024));
    header.write('02000000000\0', 124, 'latin1'); // size 0o2000000000 = 256 MiB
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect(isTarHeader(header)).toBe(true);
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(256 * 1024 * 1024)]), { level: 9 });
    expect(bomb.length).toBeLessThan(300 * 1024);
    const { streams, error } = await openAll(chunksOf(bomb, 65536), 16 * 1024 * 1024);
    expect(error ?? streams[0]?.error).toBeInstanceOf(TooLargeError);
    expect(streams.reduce((n, s) => n + s.bytes.length, 0)).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('random byte changes anywhere in a real tar never hang and fail only with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: TAR.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: TAR.length }), async (edits, length) => {
        const tar = Buffer.from(TAR.subarray(0, length));
        for (const [at, value] of edits) if (at < tar.length) tar[at] = value;
        const { streams, error } = await openAll(chunksOf(tar, 3000));
        for (const failure of [error, ...streams.map((s) => s.error)].filter((e) => e !== undefined)) {
          expect(failure).toBeInstanceOf(CorruptCompressionError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
