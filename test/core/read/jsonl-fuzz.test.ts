/**
 * fast-check over byte-mutated real JSON exports (every shape in test/fixtures/jsonl): the reader always ends, never
 * throws, yields only typed and located problems, and a record on a line no mutation touched comes out exactly as it
 * does from the intact file. Complements jsonl-framing.test.ts (arbitrary bytes, whole lines cut or replaced).
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readJsonlEvents } from '../../../functions/core/read/jsonl-events.ts';
import type { Problem, RawEvent } from '../../../functions/core/read/raw-event.ts';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../fixtures/jsonl/${name}`, import.meta.url)));
const REASONS = new Set<Problem['reason']>(['invalid-json', 'malformed-event', 'oversize-event']);

async function read(bytes: Uint8Array, pieceSize: number): Promise<{ events: RawEvent[]; problems: Problem[] }> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, i + pieceSize);
  }
  const events: RawEvent[] = [];
  const problems: Problem[] = [];
  for await (const item of readJsonlEvents(chunks(), { maxEventBytes: 64 * 1024 })) {
    if (item.ok) events.push(item.event);
    else problems.push(item.problem);
  }
  return { events, problems };
}

/**
 * Overwrite, insert or delete one byte at a position (never a newline, so line numbers stay comparable), past the first
 * two bytes: those decide the text encoding (`xx 00` is BOM-less UTF-16LE), and a file recoded is another file.
 */
const edit = fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a));

function mutate(original: Buffer, edits: Array<[string, number, number]>): { bytes: Buffer; touched: Set<number> } {
  const bytes = [...original];
  const touched = new Set<number>();
  for (const [kind, where, value] of edits) {
    const at = 2 + Math.floor(where * (bytes.length - 2));
    if (bytes[at] === 0x0a && kind !== 'insert') continue; // keep the line structure
    touched.add(bytes.slice(0, at).filter((b) => b === 0x0a).length + 1);
    if (kind === 'set') bytes[at] = value;
    else if (kind === 'insert') bytes.splice(at, 0, value);
    else bytes.splice(at, 1);
  }
  return { bytes: Buffer.from(bytes), touched };
}

function wellFormed(problems: Problem[]): void {
  for (const p of problems) {
    expect(REASONS.has(p.reason)).toBe(true);
    expect(Number.isInteger(p.location.offset) && Number.isInteger(p.location.line)).toBe(true);
    expect(p.message.length).toBeGreaterThan(0);
    expect((p.excerpt ?? '').length).toBeLessThanOrEqual(200);
  }
}

describe('mutated real JSON lines', () => {
  it.each([
    'otrf-cmd-lsass-dumpert.json',
    'otrf-nxlog-empire-reg-dump-sam.lines-201-240.json',
    'otrf-winlogbeat6-empire-enable-rdp.lines-261-290.json',
    'otrf-azure-windowsevent-log4shell.lines-1-40.json',
    'otrf-azure-securityevent-log4shell.lines-1-10.json',
    'splunk-nxlog-attack-data.lines-141-180.json',
  ])('%s: ends, typed problems only, untouched lines read as before', async (name) => {
    const original = fixture(name);
    const intact = await read(original, 65536);
    expect(intact.problems).toEqual([]);
    const byLine = new Map(intact.events.map((e) => [e.location.line, { system: e.system, data: e.data }]));
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 12 }), fc.integer({ min: 256, max: 8192 }), async (edits, pieceSize) => {
        const { bytes, touched } = mutate(original, edits);
        const { events, problems } = await read(bytes, pieceSize);
        wellFormed(problems);
        let kept = 0;
        for (const e of events) {
          if (touched.has(e.location.line as number)) continue;
          expect({ system: e.system, data: e.data }).toEqual(byLine.get(e.location.line));
          kept++;
        }
        // Untouched lines are not all swallowed by a damaged neighbour: most still come out.
        expect(kept).toBeGreaterThanOrEqual(intact.events.length - 2 * touched.size);
      }),
      { numRuns: 40 },
    );
  });
});

describe('mutated pretty-printed and array layouts', () => {
  it.each([
    'sigma-cve-2026-33829-two-events.evtx_dump.json',
    'sigma-renamed-ftp.evtx_dump.json',
    'winlogbeat-sysmon-processcreate.golden.json',
  ])('%s: ends, typed problems only, never more events than records', async (name) => {
    const original = fixture(name);
    const intact = await read(original, 65536);
    expect(intact.problems).toEqual([]);
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.integer({ min: 64, max: 3000 }), async (edits, pieceSize) => {
        const { bytes } = mutate(original, edits);
        const { events, problems } = await read(bytes, pieceSize);
        wellFormed(problems);
        // A mutation can leave a record valid JSON (a changed letter inside a string): such an event is still read, and
        // there are never more events than records.
        expect(events.length).toBeLessThanOrEqual(intact.events.length);
      }),
      { numRuns: 150 },
    );
  });
});
