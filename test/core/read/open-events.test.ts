/** One object → its events, whatever the packaging; a bad zip member is that member's problem only. */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { openEvents, type ReaderStats } from '../../../functions/core/read/open-events.ts';
import { fixture } from '../event-variants.ts';

async function read(bytes: Uint8Array): Promise<{ ids: string[]; problems: string[]; streams: string[] }> {
  const stats: ReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const streams: string[] = [];
  const ids: string[] = [];
  const problems: string[] = [];
  const chunks = (async function* () {
    yield bytes;
  })();
  for await (const item of openEvents(chunks, { maxEventBytes: 1 << 20, stats, onStream: (s) => streams.push(`${s.entry}:${s.compression}:${s.format}`) })) {
    if (item.ok) ids.push(`${item.entry}:${item.event.system.EventRecordID}`);
    else problems.push(`${item.problem.location.entry}:${item.problem.reason}`);
  }
  return { ids, problems, streams };
}

const calc = new TextEncoder().encode(`${fixture('scan/sysmon-eid1-calc.xml')}\n`);
const eid5 = new TextEncoder().encode(`${fixture('scan/sysmon-eid5.xml')}\n`);

describe('openEvents', () => {
  it('reads every member of a zip, each sniffed on its own', async () => {
    const zip = zipSync({ 'a.xml': calc, 'dir/b.log': eid5 });
    expect(await read(zip)).toEqual({
      ids: ['a.xml:361823', 'dir/b.log:4072'],
      problems: [],
      streams: ['a.xml:zip:xml', 'dir/b.log:zip:xml'],
    });
  });

  it('a corrupt member is one located problem and the other members still read', async () => {
    const big = new TextEncoder().encode(`${fixture('scan/sysmon-eid1-calc.xml')}\n`.repeat(50));
    const zip = zipSync({ 'bad.xml': big, 'good.xml': eid5 }, { level: 6 });
    // Corrupt the middle of bad.xml's deflate data (its local header and name come first).
    const nameAt = Buffer.from(zip).indexOf('bad.xml');
    for (let i = nameAt + 40; i < nameAt + 200; i += 7) zip[i] = (zip[i] as number) ^ 0xff;
    const result = await read(zip);
    expect(result.problems).toEqual(['bad.xml:corrupt-compression']);
    expect(result.ids).toContain('good.xml:4072');
  });

  it('an empty object yields nothing and is not an error', async () => {
    expect(await read(new Uint8Array(0))).toEqual({ ids: [], problems: [], streams: [] });
  });

  it('an unknown format is one problem naming the first bytes', async () => {
    const result = await read(new Uint8Array([0x00, 0x01, 0x02, 0x03]));
    expect(result.problems).toEqual(['undefined:unknown-format']);
  });
});
