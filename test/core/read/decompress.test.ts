import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CompressionRatioError, CorruptCompressionError, TooLargeError, compressionOf, openStreams, type DecodedStream, type OpenStreamsOptions } from '../../../functions/core/read/decompress.ts';
import type { ByteChunks } from '../../../functions/core/read/raw-event.ts';
import { chunksOf, fixtureBytes, readAll } from './xml-fixtures.ts';

const CREDENTIAL = fixtureBytes('xml', 'credential-dumping-via-copy.log');
const PYTHONPATH = fixtureBytes('xml', 'pythonpath-modification.log');
const CRLF_4662 = fixtureBytes('xml', '4662-priv-events-crlf.txt');
const IIS = fixtureBytes('xml', 'iis-appcmd-discovery.xml.log');

interface Opened {
  entry: string | undefined;
  compression: string;
  inner: string | undefined;
  bytes: Buffer;
  error?: unknown;
}

/** Reads every stream to its end; a stream's error is kept with what it yielded before it. */
async function openAll(input: ByteChunks, options: OpenStreamsOptions = {}): Promise<{ streams: Opened[]; error?: unknown }> {
  const streams: Opened[] = [];
  try {
    for await (const stream of openStreams(input, options)) streams.push(await drain(stream));
  } catch (error) {
    return { streams, error };
  }
  return { streams };
}

async function drain(stream: DecodedStream): Promise<Opened> {
  const parts: Uint8Array[] = [];
  const opened: Opened = { entry: stream.entry, compression: stream.compression, inner: stream.inner, bytes: Buffer.alloc(0) };
  try {
    for await (const chunk of stream.chunks) parts.push(chunk);
  } catch (error) {
    opened.error = error;
  }
  opened.bytes = Buffer.concat(parts);
  return opened;
}

describe('compressionOf', () => {
  it.each([
    ['credential-dumping-via-copy.log.gz', 'gzip'],
    ['credential-dumping-via-copy.log.zst', 'zstd'],
    ['logs.zip', 'zip'],
    ['streamed.zip', 'zip'],
  ])('%s is %s by its magic bytes', (file, compression) => {
    expect(compressionOf(fixtureBytes('compressed', file))).toBe(compression);
  });

  it.each([['plain XML', CREDENTIAL], ['empty', Buffer.alloc(0)], ['a lone 1f', Buffer.from([0x1f])], ['PK but not a local header', Buffer.from('PK\x05\x06')]])(
    '%s is none',
    (_case, bytes) => {
      expect(compressionOf(bytes)).toBe('none');
    },
  );
});

describe('openStreams over real compressed files', () => {
  it.each([
    ['credential-dumping-via-copy.log.gz', 'gzip', CREDENTIAL],
    ['two-members.log.gz', 'gzip', Buffer.concat([CREDENTIAL, PYTHONPATH])],
    ['iis-appcmd-discovery.xml.log.gz', 'gzip', IIS],
    ['credential-dumping-via-copy.log.zst', 'zstd', CREDENTIAL],
    ['iis-appcmd-discovery.xml.log.zst', 'zstd', IIS],
    ['two-frames.log.zst', 'zstd', Buffer.concat([CREDENTIAL, PYTHONPATH])],
    ['streamed.zip', 'zip', CREDENTIAL],
  ])('%s decodes to the original bytes, whatever the input chunking', async (file, compression, original) => {
    for (const size of [1, 100, 4096, 1 << 20]) {
      const { streams, error } = await openAll(chunksOf(fixtureBytes('compressed', file), size));
      expect(error).toBeUndefined();
      expect(streams.map((s) => [s.compression, s.error])).toEqual([[compression, undefined]]);
      expect(streams[0]?.bytes.equals(original)).toBe(true);
    }
  });

  it('plain input passes through untouched', async () => {
    const { streams } = await openAll(chunksOf(CREDENTIAL, 1000));
    expect(streams.map((s) => [s.compression, s.entry, s.bytes.equals(CREDENTIAL)])).toEqual([['none', undefined, true]]);
  });

  it('an empty object is one empty stream', async () => {
    const { streams } = await openAll(chunksOf(Buffer.alloc(0), 1));
    expect(streams.map((s) => [s.compression, s.bytes.length])).toEqual([['none', 0]]);
  });

  it('zip: one stream per file entry in archive order, directories skipped, gzip and zstd entries decoded too', async () => {
    const { streams, error } = await openAll(chunksOf(fixtureBytes('compressed', 'logs.zip'), 512));
    expect(error).toBeUndefined();
    expect(streams.map((s) => [s.entry, s.compression, s.inner, s.error])).toEqual([
      ['logs/4662-priv-events-crlf.txt.zst', 'zip', 'zstd', undefined],
      ['logs/pythonpath-modification.log.gz', 'zip', 'gzip', undefined],
      ['logs/credential-dumping-via-copy.log', 'zip', undefined, undefined],
    ]);
    expect(streams.map((s) => s.bytes)).toEqual([CRLF_4662, PYTHONPATH, CREDENTIAL]);
  });

  it('zip: an AppleDouble member (macOS metadata, as in an OTRF zip) is skipped by its content, the logs around it read', async () => {
    const appleDouble = fixtureBytes('compressed', 'otrf-macosx-appledouble.bin');
    const zip = zipSync({ 'a.log': PYTHONPATH, '__MACOSX/._a.log': appleDouble, 'b.log': CREDENTIAL, 'c.bin': Buffer.from([0, 5, 0x16]) });
    const { streams, error } = await openAll(chunksOf(zip, 100));
    expect(error).toBeUndefined();
    // c.bin shares only three bytes of the magic: kept (the format sniffer will call it unknown).
    expect(streams.map((s) => [s.entry, s.bytes.length])).toEqual([['a.log', PYTHONPATH.length], ['b.log', CREDENTIAL.length], ['c.bin', 3]]);
    expect(streams[1]?.bytes.equals(CREDENTIAL)).toBe(true);
  });

  it('zip: an entry left unread is skipped, the next one still decodes', async () => {
    const names: string[] = [];
    let last: Buffer | undefined;
    for await (const stream of openStreams(chunksOf(fixtureBytes('compressed', 'logs.zip'), 256))) {
      names.push(stream.entry as string);
      if (stream.entry?.endsWith('.log')) last = (await drain(stream)).bytes;
      else for await (const _ of stream.chunks) break;
    }
    expect(names).toHaveLength(3);
    expect(last?.equals(CREDENTIAL)).toBe(true);
  });

  it('feeds the events of every layer to the XML reader', async () => {
    const ids: string[] = [];
    for await (const stream of openStreams(chunksOf(fixtureBytes('compressed', 'logs.zip'), 4096))) {
      const { events } = await readAll(stream.chunks);
      ids.push(...events.map((event) => event.system.EventRecordID as string));
    }
    const expected = [CRLF_4662, PYTHONPATH, CREDENTIAL].flatMap((bytes) => Array.from(bytes.toString('utf8').matchAll(/<EventRecordID>(\d+)</g), (m) => m[1]));
    expect(ids).toEqual(expected);
  });
});

describe('corrupt and truncated data', () => {
  it('truncated gzip: every event before the cut is read, then CorruptCompressionError with where it stopped', async () => {
    const gz = fixtureBytes('compressed', 'iis-appcmd-discovery.xml.log.gz');
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const [stream] = await arrayOf(openStreams(chunksOf(cut, 1000)));
    const events: string[] = [];
    let caught: unknown;
    try {
      for await (const item of (await import('../../../functions/core/read/xml-events.ts')).readXmlEvents((stream as DecodedStream).chunks)) {
        if (item.ok) events.push(item.event.system.EventRecordID as string);
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CorruptCompressionError);
    expect(caught).toMatchObject({ compression: 'gzip', entry: undefined, offset: cut.length });
    expect((caught as Error).message).toMatch(/truncated/);
    // What could be decoded is a prefix of the original; every complete event in it was read.
    const { streams } = await openAll(chunksOf(cut, 1000));
    const prefix = streams[0]?.bytes as Buffer;
    expect(IIS.subarray(0, prefix.length).equals(prefix)).toBe(true);
    const complete = Array.from(prefix.toString('utf8').matchAll(/<EventRecordID>(\d+)<[\s\S]*?<\/Event>/g), (m) => m[1]);
    expect(complete.length).toBeGreaterThan(5);
    expect(events).toEqual(complete);
  });

  it('truncated zstd: the blocks before the cut, then CorruptCompressionError', async () => {
    const zst = fixtureBytes('compressed', 'iis-appcmd-discovery.xml.log.zst');
    const { streams } = await openAll(chunksOf(zst.subarray(0, zst.length - 200), 777));
    expect(streams[0]?.error).toBeInstanceOf(CorruptCompressionError);
    expect(streams[0]?.error).toMatchObject({ compression: 'zstd' });
    expect(streams[0]?.bytes.length).toBe(128 * 1024);
    expect(IIS.subarray(0, 128 * 1024).equals(streams[0]?.bytes as Buffer)).toBe(true);
  });

  it.each([
    ['a flipped byte in a gzip', 'credential-dumping-via-copy.log.gz', (b: Buffer) => flip(b, 200), 'gzip'],
    ['trailing garbage after a gzip member', 'credential-dumping-via-copy.log.gz', (b: Buffer) => Buffer.concat([b, Buffer.from('garbage')]), 'gzip'],
    ['a flipped byte in a zstd frame', 'credential-dumping-via-copy.log.zst', (b: Buffer) => flip(b, 100), 'zstd'],
    ['a zip cut inside an entry', 'logs.zip', (b: Buffer) => b.subarray(0, 3000), 'zip'],
    ['a streamed zip cut inside its entry', 'streamed.zip', (b: Buffer) => b.subarray(0, 2000), 'zip'],
  ])('%s: CorruptCompressionError', async (_case, file, damage, compression) => {
    const { streams, error } = await openAll(chunksOf(damage(fixtureBytes('compressed', file)), 333));
    const failure = error ?? streams.find((s) => s.error !== undefined)?.error;
    expect(failure).toBeInstanceOf(CorruptCompressionError);
    expect((failure as CorruptCompressionError).compression === compression || (failure as CorruptCompressionError).entry !== undefined).toBe(true);
    expect((failure as CorruptCompressionError).offset).toBeGreaterThan(0);
  });

  it('a zip cut after its last entry (no end-of-central-directory record) fails after the entries were read', async () => {
    const zip = fixtureBytes('compressed', 'logs.zip');
    const cut = zip.subarray(0, zip.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1')) - 10);
    const { streams, error } = await openAll(chunksOf(Buffer.concat([cut.subarray(0, cut.indexOf(Buffer.from('PK\x01\x02', 'latin1')))]), 500));
    expect(streams.length).toBe(3);
    expect(streams.map((s) => s.error)).toEqual([undefined, undefined, undefined]);
    expect(error).toBeInstanceOf(CorruptCompressionError);
    expect((error as Error).message).toMatch(/end-of-central-directory/);
  });

  it('a zip entry with a method other than stored or deflate fails once, with its name', async () => {
    const zip = Buffer.from(zipSync({ 'a.log': new Uint8Array(CREDENTIAL), 'b.log': new Uint8Array(PYTHONPATH) }, { level: 0 }));
    zip.writeUInt16LE(12, 8); // the first local header's method: bzip2
    const { streams } = await openAll(chunksOf(zip, 1000));
    expect(streams[0]?.error).toBeInstanceOf(CorruptCompressionError);
    expect(streams[0]?.error).toMatchObject({ compression: 'zip', entry: 'a.log' });
    expect((streams[0]?.error as Error).message).toMatch(/compression method 12 is not supported/);
    expect(streams[1]?.bytes.equals(PYTHONPATH)).toBe(true);
  });

  it('a zstd frame asking for a huge window is refused before anything is allocated', async () => {
    const forged = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
    const { streams } = await openAll(chunksOf(forged, 3));
    expect(streams[0]?.error).toBeInstanceOf(CorruptCompressionError);
    expect((streams[0]?.error as Error).message).toMatch(/window/);
  });

  it('a forged zstd RLE block larger than 128 KiB is corrupt', async () => {
    const size = 2 * 1024 * 1024 - 1;
    const header = (size << 3) | (1 << 1) | 1; // last block, RLE
    const forged = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41]);
    const { streams } = await openAll(chunksOf(forged, 4));
    expect(streams[0]?.error).toBeInstanceOf(CorruptCompressionError);
    expect((streams[0]?.error as Error).message).toMatch(/over the 128 KiB maximum/);
  });
});

describe('size limit', () => {
  it('gzip over maxBytes: TooLargeError, and no more than the limit was yielded', async () => {
    const { streams } = await openAll(chunksOf(fixtureBytes('compressed', 'iis-appcmd-discovery.xml.log.gz'), 4096), { maxBytes: 50_000 });
    expect(streams[0]?.error).toBeInstanceOf(TooLargeError);
    expect(streams[0]?.error).toMatchObject({ compression: 'gzip', limit: 50_000 });
    expect(streams[0]?.bytes.length).toBeLessThanOrEqual(50_000);
  });

  it('a zip bomb (entries of 64 MiB of zeros, ~64 KiB each) is stopped by maxBytes over the whole archive', async () => {
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const bomb = Buffer.from(zipSync({ 'a.log': zeros, 'b.log': zeros, 'c.log': zeros }, { level: 9 }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { streams, error } = await openAll(chunksOf(bomb, 65536), { maxBytes: 100 * 1024 * 1024 });
    const failure = error ?? streams.find((s) => s.error !== undefined)?.error;
    expect(failure).toBeInstanceOf(TooLargeError);
    expect(failure).toMatchObject({ compression: 'zip', entry: 'b.log' });
    expect(streams.reduce((sum, s) => sum + s.bytes.length, 0)).toBeLessThanOrEqual(100 * 1024 * 1024);
  });

  it('a nested bomb (a gzip of 256 MiB of zeros deflated again inside a zip) is stopped by the ratio limit after 64 MiB', async () => {
    const bomb = Buffer.from(zipSync({ 'x.log.gz': gzipSync(new Uint8Array(256 * 1024 * 1024), { level: 9 }) }, { level: 9 }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const { streams, error } = await openAll(chunksOf(bomb, 4096));
    const failure = error ?? streams.find((s) => s.error !== undefined)?.error;
    expect(failure).toBeInstanceOf(CompressionRatioError);
    expect(failure).toBeInstanceOf(TooLargeError);
    expect((failure as Error).message).toMatch(/^decoded zip data reached \d+ bytes from \d+ compressed bytes, over the 4000:1 ratio limit \(at archive entry 'x\.log\.gz'\): a decompression bomb$/);
    const decoded = streams.reduce((sum, s) => sum + s.bytes.length, 0);
    expect(decoded).toBeGreaterThanOrEqual(64 * 1024 * 1024 - 1024 * 1024);
    expect(decoded).toBeLessThan(80 * 1024 * 1024);
  });

  it('one gzip layer of zeros (~1000:1) stays under the default ratio; a lower maxRatio or floor stops it', async () => {
    const gz = gzipSync(new Uint8Array(80 * 1024 * 1024), { level: 9 });
    expect((await openAll(chunksOf(gz, 65536))).streams[0]?.error).toBeUndefined();
    const low = await openAll(chunksOf(gz, 65536), { maxRatio: 100, ratioFloor: 1024 * 1024 });
    expect(low.streams[0]?.error).toBeInstanceOf(CompressionRatioError);
    // Stopped once decoded bytes pass 100 × the compressed bytes read so far (one 64 KiB piece), give or take one 1 MiB zlib chunk.
    expect(low.streams[0]?.bytes.length).toBeLessThanOrEqual(100 * 65536 + 1024 * 1024);
    // Real logs are far below: the gzip fixtures decode at under 20:1.
    const real = fixtureBytes('compressed', 'iis-appcmd-discovery.xml.log.gz');
    expect((await openAll(chunksOf(real, 4096), { maxRatio: 50, ratioFloor: 0 })).streams[0]?.error).toBeUndefined();
  });

  it('plain input counts too', async () => {
    const { streams } = await openAll(chunksOf(CREDENTIAL, 1000), { maxBytes: 10_000 });
    expect(streams[0]?.error).toBeInstanceOf(TooLargeError);
  });

  it('a gzip bomb is bounded by the limit, not by its decoded size', async () => {
    const bomb = gzipSync(new Uint8Array(256 * 1024 * 1024), { level: 9 });
    const { streams } = await openAll(chunksOf(bomb, 65536), { maxBytes: 16 * 1024 * 1024 });
    expect(streams[0]?.error).toBeInstanceOf(TooLargeError);
  });
});

describe('streaming', () => {
  it('pulls input only as decoded bytes are wanted', async () => {
    const gz = gzipSync(Buffer.concat(Array.from({ length: 40 }, () => IIS)));
    let pulled = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < gz.length; at += 4096) {
        pulled += 1;
        yield gz.subarray(at, at + 4096);
      }
    }
    for await (const stream of openStreams(counting())) {
      for await (const _ of stream.chunks) break;
    }
    expect(pulled).toBeLessThan(Math.ceil(gz.length / 4096) / 2);
  });

  it('a consumer that stops reading holds zlib back: a 512 MiB gzip bomb does not fill memory', async () => {
    // 512 gzip members of 1 MiB of zeros each (~1 KB each): no big buffer is freed during the measurement.
    const member = gzipSync(new Uint8Array(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 512 }, () => member));
    const baseline = process.memoryUsage().arrayBuffers;
    for await (const stream of openStreams(chunksOf(bomb, 1 << 20))) {
      const iterator = stream.chunks[Symbol.asyncIterator]();
      await iterator.next();
      // Unpaced, zlib would decode hundreds of MB in this time (~1 GB/s).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(process.memoryUsage().arrayBuffers - baseline).toBeLessThan(48 * 1024 * 1024);
      await iterator.return?.();
    }
  });

  it('an error from the input itself reaches the consumer unchanged, after what was decoded', async () => {
    const failure = new Error('connection reset');
    const gz = fixtureBytes('compressed', 'iis-appcmd-discovery.xml.log.gz');
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield gz.subarray(0, 3000);
      throw failure;
    }
    const { streams } = await openAll(broken());
    expect(streams[0]?.error).toBe(failure);
    expect(streams[0]?.bytes.length).toBeGreaterThan(0);
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] as number) ^ 0xff;
  return copy;
}

async function arrayOf<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
