/**
 * The benchmark corpus against the real pipeline: every format, scanned by the project's Scan, gives exactly the rows,
 * counts and events its own truth computes; one seed gives the same bytes twice and the same events in every format;
 * the EVTX file reads without a single problem, and where libyal's evtxexport is installed it reads every record and
 * renders the same values.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCorpus, RULE_BY_FIELDS, type CorpusFormat, type CorpusOptions, type CorpusTruth } from '../../functions/cli/bench-corpus.ts';
import { CHUNK_TAIL_SLACK } from '../../functions/cli/bench-corpus-evtx.ts';
import { fileChunks } from '../../functions/cli/file-sources.ts';
import type { RawEvent } from '../../functions/core/read/raw-event.ts';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE } from '../../functions/core/rules/windows-iis-components-add-new-module.ts';
import { compileSearch } from '../../functions/core/search/compile-search.ts';
import { Scan, type LocatedProblem, type SourceReport } from '../../functions/core/scan.ts';
import type { Finding } from '../../functions/core/finding.ts';

const FORMATS: readonly CorpusFormat[] = ['xml', 'jsonl', 'evtx'];
/** Rates far above the defaults, so a 2 MB corpus holds rows with repeated launches and every decoy kind. */
const RATES = { truePositiveRate: 1 / 250, decoyRate: 1 / 60 };
const SEED = 7;
const EVTXEXPORT = '/usr/bin/evtxexport';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bench-corpus-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function generate(name: string, options: CorpusOptions): Promise<{ path: string; truth: CorpusTruth }> {
  const path = join(dir, name);
  return { path, truth: await writeCorpus(path, options) };
}

interface Scanned {
  report: SourceReport;
  findings: Finding[];
  problems: LocatedProblem[];
  events: RawEvent[];
}

async function scan(path: string, options: { prefilter?: boolean; keepEvents?: boolean } = {}): Promise<Scanned> {
  const problems: LocatedProblem[] = [];
  const events: RawEvent[] = [];
  const scanner = new Scan({
    onProblem: (p) => problems.push(p),
    ...(options.prefilter === undefined ? {} : { prefilter: options.prefilter }),
    ...(options.keepEvents ? { onEvent: (e: RawEvent) => void events.push(e) } : {}),
  });
  const report = await scanner.scanSource({ kind: 'file', path }, fileChunks(path));
  return { report, findings: scanner.findings(), problems, events };
}

/** A finding as the truth states rows: the by-fields, count, firstTime, lastTime. */
function row(finding: Finding): Record<string, unknown> {
  return Object.fromEntries([...RULE_BY_FIELDS, 'count', 'firstTime', 'lastTime'].map((k) => [k, finding[k]]));
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the truth groups rows as the rule does', () => {
  it('its by-fields are the compiled search\'s, in order (the truth keeps its own typed copy)', () => {
    expect([...RULE_BY_FIELDS]).toEqual(compileSearch(WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE.search).byFields);
  });
});

describe('the same events in three formats', () => {
  const corpora = new Map<CorpusFormat, { path: string; truth: CorpusTruth }>();

  beforeAll(async () => {
    // XML sets the event count (2 MB); the other formats take exactly those events.
    const xml = await generate('same.xml', { format: 'xml', size: 2e6, seed: SEED, rates: RATES });
    corpora.set('xml', xml);
    for (const format of ['jsonl', 'evtx'] as const) {
      corpora.set(format, await generate(`same.${format}`, { format, size: Number.POSITIVE_INFINITY, maxEvents: xml.truth.events, seed: SEED, rates: RATES }));
    }
  });

  it('the truth has what the checks below need: rows, a repeated launch, mixed-case names, every decoy kind', () => {
    const { truth } = corpora.get('xml') as { truth: CorpusTruth };
    expect(truth.events).toBeGreaterThan(1000);
    expect(truth.rows.length).toBeGreaterThan(3);
    expect(truth.rows.some((r) => r.count > 1)).toBe(true);
    expect(truth.rows.reduce((n, r) => n + r.count, 0)).toBe(truth.truePositives);
    expect(truth.truePositiveRecords).toHaveLength(truth.truePositives);
    expect(new Set(truth.rows.map((r) => r.process_name)).size).toBeGreaterThan(1);
    expect(truth.rows.every((r) => r.process_name.toLowerCase() === 'appcmd.exe')).toBe(true);
    for (const [kind, n] of Object.entries(truth.decoysByKind)) expect(n, kind).toBeGreaterThan(0);
    expect(truth.eventsByShape['security-4688']).toBeGreaterThan(0);
    expect(Object.keys(truth.eventsByShape).sort()).toEqual(['security-4688', 'sysmon-1', 'sysmon-10', 'sysmon-11', 'sysmon-13', 'sysmon-22', 'sysmon-3', 'sysmon-7']);
  });

  it.each(FORMATS)('%s: the truth counts the same events, true positives, decoys and rows as XML', (format) => {
    const xml = (corpora.get('xml') as { truth: CorpusTruth }).truth;
    const { truth } = corpora.get(format) as { truth: CorpusTruth };
    const { bytes: _b, format: _f, ...same } = truth;
    const { bytes: _xb, format: _xf, ...xmlSame } = xml;
    expect(same).toEqual(xmlSame);
    expect(statSync((corpora.get(format) as { path: string }).path).size).toBe(truth.bytes);
  });

  it.each(FORMATS.flatMap((f) => [[f, true] as const, [f, false] as const]))(
    '%s (prefilter %s): the Scan returns exactly the truth rows, counts and events, with no problem',
    async (format, prefilter) => {
      const { path, truth } = corpora.get(format) as { path: string; truth: CorpusTruth };
      const { report, findings, problems } = await scan(path, { prefilter });
      expect(problems).toEqual([]);
      expect(report.status).toBe('complete');
      expect(report.events).toBe(truth.events);
      expect(report.processEvents).toBe(truth.processEvents);
      expect(findings.map(row)).toEqual(truth.rows);
      // The evidence names exactly the planted records (no decoy among them).
      const evidence = findings.flatMap((f) => f.evidence.items.map((e) => Number(e.EventRecordID))).sort((a, b) => a - b);
      expect(evidence).toEqual(truth.truePositiveRecords.map((r) => r.eventRecordId).sort((a, b) => a - b));
    },
  );

  it('EVTX and JSON lines read into the events XML reads, field for field (JSON: evtx_dump prints microseconds)', async () => {
    const [xml, jsonl, evtx] = await Promise.all(FORMATS.map(async (f) => (await scan((corpora.get(f) as { path: string }).path, { keepEvents: true })).events));
    const fields = (e: RawEvent): unknown => ({ system: e.system, data: e.data });
    expect((xml as RawEvent[]).length).toBe((corpora.get('xml') as { truth: CorpusTruth }).truth.events);
    expect((evtx as RawEvent[]).map(fields)).toEqual((xml as RawEvent[]).map(fields));
    const micro = (e: RawEvent): unknown => ({ system: { ...e.system, TimeCreated: e.system.TimeCreated?.replace(/(\.\d{6})\d*Z$/, '$1Z') }, data: e.data });
    expect((jsonl as RawEvent[]).map(micro)).toEqual((xml as RawEvent[]).map(micro));
    // EVTX record header ids number the file's records 1…n.
    expect((evtx as RawEvent[]).map((e) => e.location.record)).toEqual((evtx as RawEvent[]).map((_, i) => i + 1));
  });

  it.skipIf(!existsSync(EVTXEXPORT))('libevtx evtxexport reads every EVTX record without an error and renders our XML line for it', () => {
    const { path, truth } = corpora.get('evtx') as { path: string; truth: CorpusTruth };
    const exported = execFileSync(EVTXEXPORT, ['-f', 'xml', path], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    const records = exported.split(/\n(?=<Event xmlns=)/).slice(1);
    expect(records).toHaveLength(truth.events);
    // The XML corpus holds the same events in the same order: every element, attribute and value must agree.
    const lines = readFileSync((corpora.get('xml') as { path: string }).path, 'utf8').split('\n');
    records.forEach((record, i) => expect(asXmlWinEventLog(record), `record ${i + 1}`).toBe(lines[i]));
  });
});

/**
 * evtxexport's pretty-printed event as one XmlWinEventLog line: indentation dropped, attributes single-quoted, and its
 * HexInt32/64 padding to 8/16 digits removed (Windows and our reader do not pad: test/fixtures/evtx/SOURCES.md). It
 * escapes text as Windows does (`&amp;`, `&lt;`, `&gt;`, quotes literal), so nothing else changes.
 */
function asXmlWinEventLog(record: string): string {
  return record
    .split('\n')
    .map((line) => line.trim())
    .join('')
    .replace(/ (\w+)="([^"]*)"/g, " $1='$2'")
    .replace(/>0x0*([0-9a-f]+)<\/Data>/g, '>0x$1</Data>');
}

describe('one seed, one corpus', () => {
  it.each(FORMATS)('%s: the same seed writes the same bytes and truth; another seed does not', async (format) => {
    const options = { format, size: 300_000, seed: 42, rates: RATES };
    const a = await generate(`a.${format}`, options);
    const b = await generate(`b.${format}`, options);
    const c = await generate(`c.${format}`, { ...options, seed: 43 });
    expect(sha256(b.path)).toBe(sha256(a.path));
    expect(b.truth).toEqual(a.truth);
    expect(sha256(c.path)).not.toBe(sha256(a.path));
  });
});

describe('size targets', () => {
  it.each(['xml', 'jsonl'] as const)('%s stops at the first event that reaches the size', async (format) => {
    const { path, truth } = await generate(`size.${format}`, { format, size: 500_000, seed: 3 });
    const lines = readFileSync(path, 'utf8').split('\n');
    const last = Buffer.byteLength(`${lines[lines.length - 2]}\n`);
    expect(truth.bytes).toBe(statSync(path).size);
    expect(truth.bytes).toBeGreaterThanOrEqual(500_000);
    expect(truth.bytes - last).toBeLessThan(500_000);
    expect(lines).toHaveLength(truth.events + 1);
  });

  it.each([
    [1, 4096 + 65536],
    [4096 + 3 * 65536, 4096 + 3 * 65536],
    [4096 + 3 * 65536 + 1, 4096 + 4 * 65536],
  ])('EVTX of target size %i is %i bytes of full chunks, read without problems', async (size, expected) => {
    const { path, truth } = await generate(`size-${size}.evtx`, { format: 'evtx', size, seed: 3 });
    expect(truth.bytes).toBe(expected);
    expect(statSync(path).size).toBe(expected);
    const { report, problems } = await scan(path);
    expect(problems).toEqual([]);
    expect(report.events).toBe(truth.events);
    // Full chunks: each holds about 40 records of ~1.5 KB.
    expect(truth.events).toBeGreaterThan(((expected - 4096) / 65536) * 30);
  });

  // Seed 36 at 1 MB packs chunk 2 to its last byte when no slack is kept (found by trying seeds with CHUNK_TAIL_SLACK = 0);
  // libevtx then drops that chunk's last record without a word.
  it('EVTX chunks keep their last 8 bytes free, and evtxexport reads every record of a corpus that would fill one', async () => {
    const { path, truth } = await generate('tail.evtx', { format: 'evtx', size: 1e6, seed: 36 });
    const file = readFileSync(path);
    for (let at = 4096; at < file.length; at += 65536) expect(file.readUInt32LE(at + 48)).toBeLessThanOrEqual(65536 - CHUNK_TAIL_SLACK);
    if (!existsSync(EVTXEXPORT)) return;
    const text = execFileSync(EVTXEXPORT, [path], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(text.match(/^Event number\t/gm)).toHaveLength(truth.events);
  });

  it('refuses a size it cannot reach', async () => {
    await expect(writeCorpus(join(dir, 'x.xml'), { format: 'xml', size: Number.POSITIVE_INFINITY, seed: 1 })).rejects.toThrow(/Infinity only with maxEvents/);
    await expect(writeCorpus(join(dir, 'x.xml'), { format: 'xml', size: 1000, seed: 1, rates: { decoyRate: 2 } })).rejects.toThrow(/decoyRate/);
  });
});
