/**
 * A chunk handed back to the recycler must never be read again. Every chunk released here is overwritten at once, and the
 * scan must come out exactly as without a recycler: over XmlWinEventLog and JSON lines, in chunks of every size (events cut
 * at chunk ends, chunks read in place and chunks appended), with the prefilter and with every event parsed. Compressed and
 * archived objects never hand their chunks back: a decoder or an archive reader may still hold them.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChunkRecycler, RawEvent } from '../../functions/core/read/raw-event.ts';
import { Scan, type SourceReport } from '../../functions/core/scan.ts';
import { fixture, truePositive } from './event-variants.ts';

const SOURCE = { kind: 'file', path: 'x' } as const;

/** Copies of `bytes` in `size`-byte chunks, each its own memory, so overwriting one touches nothing else. */
async function* copies(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

/** Overwrites every chunk it is given back, and counts them. */
class Poisoner implements ChunkRecycler {
  released = 0;
  release(chunk: Uint8Array): void {
    this.released += 1;
    chunk.fill(0x3c);
  }
}

/**
 * A producer that reads into the buffers its consumer offers (ChunkRecycler.adopt), as the CLI's ChunkPool does, and
 * overwrites every buffer given back at once: what the XML reader scans in place must be done with by then.
 */
class Adopter implements ChunkRecycler {
  readonly #free: Uint8Array[] = [];
  readonly #out = new Set<Uint8Array>();
  adopted = 0;
  readIntoAdopted = 0;
  constructor(readonly chunkBytes: number) {}

  adopt(buffers: readonly Uint8Array[]): void {
    this.adopted += buffers.length;
    this.#free.push(...buffers);
  }

  release(chunk: Uint8Array): void {
    for (const buffer of this.#out) {
      if (buffer.buffer === chunk.buffer && chunk.byteOffset >= buffer.byteOffset && chunk.byteOffset < buffer.byteOffset + buffer.length) {
        this.#out.delete(buffer);
        buffer.fill(0x3c);
        this.#free.push(buffer);
        return;
      }
    }
  }

  /** `bytes` in chunkBytes pieces, each read into an offered buffer when one is free, else into its own memory. */
  async *chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += this.chunkBytes) {
      const piece = bytes.subarray(i, i + this.chunkBytes);
      const buffer = this.#free.pop();
      if (buffer === undefined) {
        yield Buffer.from(piece);
        continue;
      }
      this.readIntoAdopted += 1;
      this.#out.add(buffer);
      buffer.set(piece);
      yield buffer.subarray(0, piece.length);
    }
  }
}

interface Outcome {
  report: Omit<SourceReport, 'durationMs'>;
  rows: unknown[];
  events: RawEvent[];
}

async function scan(
  bytes: Uint8Array,
  size: number,
  options: { recycler?: ChunkRecycler; everyEvent?: boolean; maxEventBytes?: number; chunks?: AsyncIterable<Uint8Array> },
): Promise<Outcome> {
  const events: RawEvent[] = [];
  const s = new Scan({
    ...(options.everyEvent === true ? { onEvent: (event: RawEvent) => void events.push(event) } : {}),
    ...(options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes }),
  });
  const { durationMs: _, ...report } = await s.scanSource(SOURCE, options.chunks ?? copies(bytes, size), options.recycler ? { recycler: options.recycler } : {});
  return { report, rows: s.findings().map((f) => JSON.parse(JSON.stringify(f))), events };
}

const xml = Buffer.from(
  [
    fixture('xml/iis-appcmd-discovery.xml.log'),
    truePositive({ recordId: '900001' }),
    fixture('xml/credential-dumping-via-copy.log'),
    truePositive({ recordId: '900002', computer: 'web02' }),
    fixture('xml/pythonpath-modification.log'),
  ]
    .join('\n')
    .repeat(3),
);
const jsonl = Buffer.from(
  [fixture('jsonl/splunk-nxlog-attack-data.lines-141-180.json'), fixture('jsonl/otrf-aptsimulator.lines-1-30.json')].join('\n').repeat(4),
);

describe('recycled chunks are never read again', () => {
  it.each([
    ['XmlWinEventLog', xml],
    ['JSON lines', jsonl],
  ])('%s: every chunk size gives the same report, rows and events as without a recycler', async (_name, bytes) => {
    for (const size of [997, 4096, 65_536, 70_001, 200_003]) {
      for (const everyEvent of [false, true]) {
        const plain = await scan(bytes, size, { everyEvent });
        const poisoner = new Poisoner();
        const recycled = await scan(bytes, size, { recycler: poisoner, everyEvent });
        expect(recycled).toEqual(plain);
        // Every chunk but the last goes back.
        expect(poisoner.released).toBe(Math.ceil(bytes.length / size) - 1);
      }
    }
    expect((await scan(xml, 65_536, {})).report.events).toBeGreaterThan(100);
  });

  it.each([
    ['XmlWinEventLog', xml, undefined],
    // Oversize events, a DTD, stray bytes, an unclosed event and a comment, with a small event limit: windows of every kind.
    [
      'hostile XmlWinEventLog',
      Buffer.from(
        [
          truePositive({ recordId: '1' }),
          `<Event xmlns='x'><System><EventID>1</EventID></System><EventData><Data Name='x'>${'a'.repeat(9000)}</Data></EventData></Event>`,
          '<!DOCTYPE x [<!ENTITY a "b">]>',
          'stray text',
          fixture('xml/iis-appcmd-discovery.xml.log'),
          "<Event xmlns='x'><System><EventID>4688</EventID>",
          '<!-- a comment -->',
          truePositive({ recordId: '2' }),
        ]
          .join('\n')
          .repeat(6),
      ),
      4096,
    ],
  ] as const)('%s read into the buffers the reader offers: the same report, rows and events at every chunk size', async (_name, bytes, maxEventBytes) => {
    let adoptedReads = 0;
    for (const size of [997, 4096, 65_536, 70_001, 200_003]) {
      for (const everyEvent of [false, true]) {
        const plain = await scan(bytes, size, { everyEvent, ...(maxEventBytes === undefined ? {} : { maxEventBytes }) });
        const adopter = new Adopter(size);
        const adopted = await scan(bytes, size, {
          recycler: adopter,
          everyEvent,
          chunks: adopter.chunks(bytes),
          ...(maxEventBytes === undefined ? {} : { maxEventBytes }),
        });
        expect(adopted).toEqual(plain);
        expect(adopter.adopted).toBeGreaterThan(0);
        adoptedReads += adopter.readIntoAdopted;
      }
    }
    expect(adoptedReads).toBeGreaterThan(20);
  });

  it('an event limit too large for the kernel to lay out buffers for: none are offered, and the scan is as without them', async () => {
    const adopter = new Adopter(70_001);
    const adopted = await scan(xml, 70_001, { recycler: adopter, chunks: adopter.chunks(xml), maxEventBytes: 2_000_000_000 });
    expect(adopter.adopted).toBe(0);
    expect(adopted).toEqual(await scan(xml, 70_001, { maxEventBytes: 2_000_000_000 }));
  });

  it('the rows are there to compare: the planted true positives', async () => {
    const { rows } = await scan(xml, 70_001, { recycler: new Poisoner() });
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(['credential-dumping-via-copy.log.gz', 'iis-appcmd-discovery.xml.log.zst', 'logs.zip', 'logs.tar.gz', 'prefix.ustar.tar'])(
    '%s: no chunk goes back to the recycler, and the scan is as without one',
    async (name) => {
      const bytes = readFileSync(`test/fixtures/compressed/${name}`);
      const poisoner = new Poisoner();
      const recycled = await scan(bytes, 1024, { recycler: poisoner });
      expect(poisoner.released).toBe(0);
      expect(recycled).toEqual(await scan(bytes, 1024, {}));
    },
  );
});
