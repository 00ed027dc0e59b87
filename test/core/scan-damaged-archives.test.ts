/**
 * How a source ends when its compressed data is damaged: one rule for a plain .gz/.zst, a zip, a tar.gz and a tar.zst,
 * cut at every point or with one corrupt member. Data was lost, so the source ends `failed` (corrupt-compression, naming
 * the member), and the events read before the damage still count; `complete` always means nothing was lost.
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { RawEvent } from '../../functions/core/read/raw-event.ts';
import { Scan, type SourceReport, type SourceScanOptions } from '../../functions/core/scan.ts';
import { fixture } from './event-variants.ts';

const SOURCE = { kind: 'file', path: 'x' } as const;

async function* pieces(bytes: Uint8Array, size = 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Scans `bytes`; the events as `entry:offset`, in order. `stopAfter` aborts once that event was read. */
async function scan(bytes: Uint8Array, options: { stopAfter?: (event: RawEvent) => boolean; source?: SourceScanOptions } = {}): Promise<{ report: SourceReport; events: string[] }> {
  const events: string[] = [];
  const controller = new AbortController();
  const report = await new Scan({
    onEvent: (event) => {
      events.push(`${event.location.entry ?? ''}:${event.location.offset}`);
      if (options.stopAfter?.(event) === true) controller.abort();
    },
  }).scanSource(SOURCE, pieces(bytes), { signal: controller.signal, ...options.source });
  return { report, events };
}

const compressed = (name: string): Buffer => readFileSync(`test/fixtures/compressed/${name}`);

describe('a cut anywhere in compressed data', () => {
  it.each([
    ['credential-dumping-via-copy.log.gz', 'gzip', 53],
    ['iis-appcmd-discovery.xml.log.zst', 'zstd', 211],
    ['logs.zip', 'zip', 97],
    ['logs.tar.gz', 'tar.gz', 173],
    ['logs-pax.tar.zst', 'tar.zst', 151],
  ])('%s (%s): never complete when events were lost; the events before the cut still count', async (name, _kind, step) => {
    const bytes = compressed(name);
    const whole = await scan(bytes);
    expect(whole.report.status).toBe('complete');
    expect(whole.events.length).toBeGreaterThan(10);
    let failed = 0;
    // From the fourth byte: a shorter head cannot show its magic bytes (that is an unknown format, tested elsewhere).
    for (let cut = 4; cut < bytes.length; cut += step) {
      const { report, events } = await scan(bytes.subarray(0, cut));
      const where = `cut at ${cut} of ${bytes.length}`;
      // What was read is what the whole object holds up to the damage, nothing made up, nothing dropped before it.
      expect(events, where).toEqual(whole.events.slice(0, events.length));
      if (events.length < whole.events.length) expect(report.status, where).toBe('failed');
      if (report.status === 'failed') {
        failed += 1;
        expect(report.failure?.reason, where).toBe('corrupt-compression');
        expect(report.failure?.message, where).toMatch(/cannot be (decoded|read)/);
        expect(report.problems['corrupt-compression'], where).toBeGreaterThanOrEqual(1);
      } else {
        expect(report.status, where).toBe('complete');
      }
    }
    expect(failed).toBeGreaterThan(bytes.length / step / 2);
  });

  it.each([
    ['a .gz', 'credential-dumping-via-copy.log.gz', undefined],
    ['a zip, inside a deflated member', 'logs.zip', 'logs/credential-dumping-via-copy.log'],
    ['a tar.gz, inside a member', 'logs.tar.gz', 'logs/sub/otrf-aptsimulator.lines-1-30-with-a-member-name-longer-than-the-hundred-bytes-a-ustar-name-field-holds.json'],
  ])('%s cut at 60%%: failed, the member named, the events before the cut counted', async (_name, file, entry) => {
    const bytes = compressed(file);
    const { report, events } = await scan(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(report).toMatchObject({ status: 'failed', failure: { reason: 'corrupt-compression' }, problems: { 'corrupt-compression': 1 } });
    expect(report.failure?.entry).toBe(entry);
    expect(report.events).toBe(events.length);
    expect(events.length).toBeGreaterThan(0);
  });
});

describe('archive members', () => {
  const calc = new TextEncoder().encode(`${fixture('scan/sysmon-eid1-calc.xml')}\n`.repeat(50));
  const eid5 = new TextEncoder().encode(`${fixture('scan/sysmon-eid5.xml')}\n`.repeat(20));

  /** bad.xml's deflate data starts with a reserved block type (an invalid stream); good.xml after it is intact. */
  function zipWithCorruptMember(): Uint8Array {
    const zip = zipSync({ 'bad.xml': calc, 'good.xml': eid5 }, { level: 6 });
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    // Local header: 30 bytes, then the name and the extra field; BFINAL=1 with BTYPE=11 is invalid in every decoder.
    zip[30 + view.getUint16(26, true) + view.getUint16(28, true)] = 0x07;
    return zip;
  }

  it('a corrupt member fails the object; the intact member after it is still read', async () => {
    const { report, events } = await scan(zipWithCorruptMember());
    expect(report).toMatchObject({ status: 'failed', failure: { reason: 'corrupt-compression', entry: 'bad.xml' }, problems: { 'corrupt-compression': 1 } });
    expect(events.filter((e) => e.startsWith('good.xml:'))).toHaveLength(20);
  });

  it('a member that is no log (a README) is its own problem only: the object is complete', async () => {
    const zip = zipSync({ 'README.txt': new TextEncoder().encode('these are the logs of host 7\n'), 'good.xml': eid5 });
    const { report, events } = await scan(zip);
    expect(report).toMatchObject({ status: 'complete', problems: { 'unknown-format': 1 } });
    expect(report.failure).toBeUndefined();
    expect(events).toHaveLength(20);
  });

  it('interrupted after a corrupt member and resumed: the resumed run ends failed as well', async () => {
    const zip = zipWithCorruptMember();
    const first = await scan(zip, { stopAfter: (event) => event.location.entry === 'good.xml' });
    expect(first.report.status).toBe('interrupted');
    expect(first.report.resume?.entry).toBe('good.xml');
    const rest = await scan(zip, { source: { resume: first.report.resume as NonNullable<SourceReport['resume']> } });
    expect(rest.report).toMatchObject({ status: 'failed', failure: { reason: 'corrupt-compression', entry: 'bad.xml' } });
    // The first run counted the member's problem; the resumed one does not count it again.
    expect(rest.report.problems).toEqual({});
  });
});
