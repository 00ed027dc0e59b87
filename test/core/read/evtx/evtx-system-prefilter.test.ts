/**
 * The EVTX reader's System prefilter (SystemPrefilter): asked with a record's rendered System fields before its EventData,
 * it may only rule out what processEventKind rejects on the finished event. Synthetic records vary what could fool it:
 * EventID spellings, provider and channel case, fields missing, repeated (the first value wins) or after the EventData,
 * values literal or substituted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processEventKind } from '../../../../functions/core/normalize/process-event.ts';
import { readEvtxEvents, type ReaderStats } from '../../../../functions/core/read/evtx/evtx-events.ts';
import type { RawEvent, RawSystem, SystemPrefilter } from '../../../../functions/core/read/raw-event.ts';
import { buildChunk, buildFile, utf16le, type RecordBody, type SubValue } from './evtx-builder.ts';
import { fixture, pieces } from './evtx-fixtures.ts';

/** What Scan passes: a record can reach a detection only when processEventKind accepts it. */
const gate: SystemPrefilter = (system) => processEventKind({ location: { offset: 0 }, system, data: {} }) !== undefined;

async function read(bytes: Uint8Array, systemPrefilter?: SystemPrefilter): Promise<{ events: RawEvent[]; stats: ReaderStats; problems: number }> {
  const stats: ReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const events: RawEvent[] = [];
  let problems = 0;
  for await (const item of readEvtxEvents(pieces(bytes), { stats, ...(systemPrefilter ? { systemPrefilter } : {}) })) {
    if (item.ok) events.push(item.event);
    else problems += 1;
  }
  return { events, stats, problems };
}

interface Field {
  name: 'Provider' | 'EventID' | 'Channel';
  value: string;
  literal: boolean;
}
interface Spec {
  fields: Field[];
  dataFirst: boolean;
  /** Fields of a second System element after the EventData (first values still win). */
  later: Field[];
}

/**
 * One record: Event/System (the given fields in order, then EventRecordID) and EventData with one Data, in either order,
 * then a second System with the `later` fields.
 */
function record(spec: Spec): RecordBody {
  return (w) => {
    const values: SubValue[] = [];
    const sub = (text: string): number => values.push({ type: 0x01, bytes: utf16le(text) }) - 1;
    w.fragmentHeader().template((t) => {
      t.fragmentHeader().open('Event').closeStart();
      const system = (fields: Field[]): void => {
        t.open('System').closeStart();
        for (const f of fields) {
          if (f.name === 'Provider') t.open('Provider', { attributes: true }).attribute('Name');
          else t.open(f.name).closeStart();
          if (f.literal) t.text(f.value);
          else t.sub(sub(f.value), 0x01);
          if (f.name === 'Provider') t.closeEmpty();
          else t.end();
        }
        t.open('EventRecordID').closeStart().sub(sub('7'), 0x01).end();
        t.end();
      };
      const data = (): void => {
        t.open('EventData').closeStart();
        t.open('Data', { attributes: true }).attribute('Name').text('Image').closeStart().sub(sub('C:\\x.exe'), 0x01).end();
        t.end();
      };
      if (spec.dataFirst) {
        data();
        system(spec.fields);
      } else {
        system(spec.fields);
        data();
      }
      if (spec.later.length > 0) system(spec.later);
      t.end().eof();
    }, values).eof();
  };
}

const field = (name: Field['name'], spellings: string[]): fc.Arbitrary<Field> =>
  fc.record({ name: fc.constant(name), value: fc.constantFrom(...spellings), literal: fc.boolean() });
const fields = fc.array(
  fc.oneof(
    field('EventID', ['1', ' 1', '1 ', '01', '4688', ' 4688\n', '4689', '11', '', 'x']),
    field('Provider', ['Microsoft-Windows-Sysmon', 'MICROSOFT-WINDOWS-SYSMON', 'Microsoft-Windows-Security-Auditing', 'microsoft-windows-security-auditing', 'Service Control Manager', '']),
    field('Channel', ['Microsoft-Windows-Sysmon/Operational', 'microsoft-windows-sysmon/operational', 'Security', 'SECURITY', 'System', ' security']),
  ),
  { maxLength: 5 },
);
const spec: fc.Arbitrary<Spec> = fc.record({ fields, dataFirst: fc.boolean(), later: fc.oneof(fc.constant<Field[]>([]), fields) });

const complete = (s: Spec): boolean => !s.dataFirst && (['EventID', 'Provider', 'Channel'] as const).every((n) => s.fields.some((f) => f.name === n));

describe('the EVTX System prefilter', () => {
  it('rules out exactly the records processEventKind rejects, whenever System comes first with EventID, Provider and Channel', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 12 }), async (specs) => {
        const bytes = buildFile([buildChunk(specs.map(record))]);
        const full = await read(bytes);
        const gated = await read(bytes, gate);
        expect(full.problems).toBe(0);
        expect(full.events).toHaveLength(specs.length);
        // Every event the gate lets through is the full reader's event, unchanged; only non-process events are missing.
        const kept = new Set(gated.events.map((e) => e.location.record));
        expect(gated.events).toEqual(full.events.filter((e) => kept.has(e.location.record)));
        full.events.forEach((event, i) => {
          const process = processEventKind(event) !== undefined;
          if (process) expect(kept.has(event.location.record)).toBe(true);
          // Decidable records that are not process events are never rendered.
          else if (complete(specs[i] as Spec)) expect(kept.has(event.location.record)).toBe(false);
        });
        expect(gated.stats).toEqual({ ...full.stats, skipped: full.events.length - gated.events.length });
      }),
      { numRuns: 300 },
    );
  });

  it('a later repeat of a System field cannot change the verdict: the first value is the event’s', async () => {
    const sysmonChannel: Field = { name: 'Channel', value: 'Microsoft-Windows-Sysmon/Operational', literal: false };
    const provider: Field = { name: 'Provider', value: 'Microsoft-Windows-Sysmon', literal: true };
    const specs: Spec[] = [
      // EventID 3 first, then 1: the event says 3, not a process event.
      { fields: [{ name: 'EventID', value: '3', literal: false }, provider, sysmonChannel, { name: 'EventID', value: '1', literal: false }], dataFirst: false, later: [] },
      // EventID 1 first, then 3: a process event.
      { fields: [{ name: 'EventID', value: '1', literal: false }, provider, sysmonChannel, { name: 'EventID', value: '3', literal: false }], dataFirst: false, later: [] },
    ];
    const { events, stats } = await read(buildFile([buildChunk(specs.map(record))]), gate);
    expect(events.map((e) => [e.location.record, e.system.EventID])).toEqual([[2, '1']]);
    expect(stats).toMatchObject({ events: 2, skipped: 1 });
  });

  it.each([
    ['omerbenamram-sysmon.evtx.gz', 358, 131],
    ['vss7-system-dirty.evtx.gz', 1160, 1160],
    ['appcmd-discovery.evtx.gz', 40, 0],
  ] as const)('%s: %i records, %i ruled out; every process event comes out as without the prefilter', async (name, records, ruledOut) => {
    const bytes = fixture(name);
    const full = await read(bytes);
    const gated = await read(bytes, gate);
    expect(gated.stats).toEqual({ ...full.stats, skipped: ruledOut });
    expect(gated.stats.events).toBe(records);
    expect(gated.events).toEqual(full.events.filter((e) => processEventKind(e) !== undefined));
  });

  it('over randomly damaged chunks: the same counts, every process event, no event or problem the full read lacks', async () => {
    // Chunks 0 and 1 of a Sysmon log with both process and other events (the header counts one chunk; chunk 1 is read on).
    const base = fixture('omerbenamram-sysmon.evtx.gz').subarray(0, 4096 + 2 * 65536);
    const key = (e: RawEvent): string => JSON.stringify([e.location.record, e.system, e.data]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 512, max: 65535 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }), async (edits) => {
        const bytes = base.slice();
        for (const [at, value] of edits) bytes[4096 + at] = value;
        const full = await read(bytes);
        const gated = await read(bytes, gate);
        expect(gated.stats.events).toBe(full.stats.events);
        expect(gated.stats.bytes).toBe(full.stats.bytes);
        const fullKeys = new Set(full.events.map(key));
        expect(gated.events.filter((e) => !fullKeys.has(key(e)))).toEqual([]);
        const gatedKeys = new Set(gated.events.map(key));
        expect(full.events.filter((e) => processEventKind(e) !== undefined && !gatedKeys.has(key(e)))).toEqual([]);
        // A ruled-out record's EventData is never rendered, so damage there is not found: fewer problems, never more, and
        // each one missing belongs to a ruled-out record.
        expect(gated.problems).toBeLessThanOrEqual(full.problems);
        expect(full.problems - gated.problems).toBeLessThanOrEqual(gated.stats.skipped);
      }),
      { numRuns: 150 },
    );
  });

  it('is asked once per record, as soon as EventID, Provider and Channel are rendered, with their final values', async () => {
    const three = (s: Readonly<RawSystem>): RawSystem => ({ EventID: s.EventID, Provider: s.Provider, Channel: s.Channel });
    const seen: RawSystem[] = [];
    const asked: string[] = [];
    await read(fixture('omerbenamram-sysmon.evtx.gz'), (system) => {
      seen.push(three(system));
      // Windows writes Computer and Security after Channel: asked before they are rendered.
      asked.push(`${system.Computer === undefined}/${system.UserID === undefined}`);
      return gate(system);
    });
    const full = await read(fixture('omerbenamram-sysmon.evtx.gz'));
    expect(seen).toEqual(full.events.map((e) => three(e.system)));
    expect(new Set(asked)).toEqual(new Set(['true/true']));
  });
});
