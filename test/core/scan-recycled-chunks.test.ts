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

interface Outcome {
  report: Omit<SourceReport, 'durationMs'>;
  rows: unknown[];
  events: RawEvent[];
}

async function scan(bytes: Uint8Array, size: number, options: { recycler?: ChunkRecycler; everyEvent?: boolean }): Promise<Outcome> {
  const events: RawEvent[] = [];
  const s = new Scan(options.everyEvent === true ? { onEvent: (event) => void events.push(event) } : {});
  const { durationMs: _, ...report } = await s.scanSource(SOURCE, copies(bytes, size), options.recycler ? { recycler: options.recycler } : {});
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
