/**
 * The raw-bytes prefilter is a shortcut; this proves it changes no row. Real fixtures and generated events (random case,
 * XML character references, named entities, Unicode that lower-cases into ASCII, chunk splits anywhere) are scanned with and
 * without it, and the findings must be identical.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scan } from '../../functions/core/scan.ts';
import { truePositive, variant } from './event-variants.ts';

/** What a scan says about an input: its rows, its counts and its problems (reason and offset). */
interface Outcome {
  findings: unknown[];
  events: number;
  processEvents: number;
  problems: Array<{ reason: string; offset: number }>;
  skipped: number;
  /** Some stream was EVTX, whose prefilter rules out every non-process record (by its System fields). */
  evtx: boolean;
  /** Problems located at a record (EVTX: a corrupt or oversize record, neither rendered nor skipped). */
  recordProblems: number;
}

async function outcome(bytes: Uint8Array, options: { prefilter: boolean; split?: number[] }): Promise<Outcome> {
  const problems: Outcome['problems'] = [];
  let recordProblems = 0;
  const scan = new Scan({
    prefilter: options.prefilter,
    onProblem: (p) => {
      problems.push({ reason: p.reason, offset: p.location.offset });
      if (p.location.record !== undefined) recordProblems += 1;
    },
  });
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...(options.split ?? [])].sort((a, b) => a - b)) {
    if (cut > at && cut < bytes.length) {
      chunks.push(bytes.subarray(at, cut));
      at = cut;
    }
  }
  chunks.push(bytes.subarray(at));
  const report = await scan.scanSource({ kind: 'file', path: 'x' }, chunks as unknown as AsyncIterable<Uint8Array>);
  return {
    findings: scan.findings(),
    events: report.events,
    processEvents: report.processEvents,
    problems,
    skipped: report.skipped,
    evtx: report.streams.some((s) => s.format === 'evtx'),
    recordProblems,
  };
}

async function findings(bytes: Uint8Array, options: { prefilter: boolean; split?: number[] }): Promise<unknown[]> {
  return (await outcome(bytes, options)).findings;
}

/**
 * The prefilter's contract: the same rows, event counts and problems — except that an event it ruled out is never parsed,
 * so a parse error inside it (malformed-event) is not found, and such an event, when its raw bytes say process creation,
 * is counted as a process event. Framing problems (unclosed, oversize, stray, DTD, encoding) are always the same.
 */
function expectSameOutcome(fast: Outcome, full: Outcome): void {
  expect(fast.findings).toEqual(full.findings);
  expect(fast.events).toBe(full.events);
  const fastKeys = new Set(fast.problems.map((p) => `${p.reason}@${p.offset}`));
  const unseen = full.problems.filter((p) => p.reason === 'malformed-event' && !fastKeys.has(`${p.reason}@${p.offset}`));
  expect(full.problems.filter((p) => !unseen.includes(p))).toEqual(fast.problems);
  expect(fast.processEvents - full.processEvents).toBeGreaterThanOrEqual(0);
  expect(fast.processEvents - full.processEvents).toBeLessThanOrEqual(unseen.length);
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return fixtureFiles(path);
    return /SOURCES|README|\.md$/.test(name) ? [] : [path];
  });
}

/** Spells one character of `text` as a numeric character reference, decimal or hex. */
function charRef(text: string, index: number, hex: boolean): string {
  const code = text.codePointAt(index) as number;
  const ref = hex ? `&#x${code.toString(16)};` : `&#${code};`;
  return text.slice(0, index) + ref + text.slice(index + 1);
}

const COMMAND = 'appcmd.exe install module /name:X /image:C:\\x.dll';

/** An event that is no longer about appcmd.exe anywhere: calc.exe from cmd.exe. */
function calc(xml: string): string {
  return variant(xml, { data: { Image: 'C:\\Windows\\System32\\calc.exe', OriginalFileName: 'CALC.EXE', CommandLine: 'calc.exe' } });
}

describe('prefilter differential', () => {
  it.each(fixtureFiles('test/fixtures').map((f) => [f]))('%s: same rows, counts and problems with and without the prefilter', async (file) => {
    const bytes = readFileSync(file);
    const fast = await outcome(bytes, { prefilter: true });
    const full = await outcome(bytes, { prefilter: false });
    expectSameOutcome(fast, full);
    // EVTX: every record that is not a process event is ruled out before its EventData is rendered (the fixtures have
    // EventID, Provider and Channel in every record), and no process event is.
    if (full.evtx) expect(fast.skipped).toBe(full.events - full.processEvents - full.recordProblems);
  });

  it.each(fixtureFiles('test/fixtures/xml').concat(fixtureFiles('test/fixtures/jsonl')).map((f) => [f]))(
    '%s: the events ruled out do not depend on where chunks split (every chunk size, any cuts)',
    async (file) => {
      const bytes = readFileSync(file);
      const whole = await outcome(bytes, { prefilter: true });
      const everyN = (n: number): number[] => Array.from({ length: Math.floor(bytes.length / n) }, (_, i) => (i + 1) * n);
      for (const split of [everyN(997), everyN(4096), everyN(65_536)]) {
        const cut = await outcome(bytes, { prefilter: true, split });
        expect([cut.skipped, cut.processEvents, cut.events]).toEqual([whole.skipped, whole.processEvents, whole.events]);
      }
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }), async (split) => {
          const cut = await outcome(bytes, { prefilter: true, split });
          expect([cut.skipped, cut.processEvents, cut.events]).toEqual([whole.skipped, whole.processEvents, whole.events]);
        }),
        { numRuns: 15 },
      );
    },
  );

  it('the EVTX fixtures exercise the System prefilter: most of their records are ruled out', async () => {
    let skipped = 0;
    let events = 0;
    for (const file of fixtureFiles('test/fixtures/evtx')) {
      const fast = await outcome(readFileSync(file), { prefilter: true });
      skipped += fast.skipped;
      events += fast.events;
    }
    expect(events).toBeGreaterThan(6000);
    expect(skipped).toBeGreaterThan(events / 2);
  });

  it('mutated event lines (bytes deleted, duplicated or replaced anywhere, any chunk split): same rows, counts and problems', async () => {
    const lines = [
      truePositive(),
      variant(truePositive(), { data: { Image: 'C:\\Windows\\System32\\calc.exe' }, recordId: '9' }),
      variant(truePositive(), { data: { CommandLine: 'appcmd.exe list modules' }, recordId: '10' }),
    ];
    const text = `${lines.join('\n')}\n`;
    const edit = fc.record({
      at: fc.nat({ max: text.length }),
      length: fc.nat({ max: 12 }),
      insert: fc.constantFrom('', '<Event>', '</Event>', '<EventID>1</EventID>', '&#97;', '<!--x-->', '<', '>', '\n', "'", 'vent'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.array(fc.nat({ max: text.length }), { maxLength: 3 }), async (edits, split) => {
        let mutated = text;
        for (const e of edits) mutated = mutated.slice(0, e.at) + e.insert + mutated.slice(e.at + e.length);
        const bytes = new TextEncoder().encode(mutated);
        expectSameOutcome(await outcome(bytes, { prefilter: true, split }), await outcome(bytes, { prefilter: false }));
      }),
      { numRuns: 300 },
    );
  });

  it('generated events: random case, character references, entities, Unicode folding, any chunk split', async () => {
    const mutation = fc.record({
      caseMask: fc.array(fc.boolean(), { minLength: COMMAND.length, maxLength: COMMAND.length }),
      refMask: fc.array(fc.boolean(), { minLength: COMMAND.length, maxLength: COMMAND.length }),
      hex: fc.boolean(),
      dottedI: fc.boolean(),
      imageCase: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
      split: fc.array(fc.nat({ max: 6000 }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let command = [...COMMAND].map((c, i) => (m.caseMask[i] ? c.toUpperCase() : c)).join('');
        // U+0130 lower-cases to i + U+0307 (JavaScript and Splunk alike): a near miss for "install " and "image".
        if (m.dottedI) command = command.replace(/i/i, '\u0130');
        const image = [...'appcmd.exe'].map((c, i) => (m.imageCase[i] ? c.toUpperCase() : c)).join('');
        let xml = truePositive({ data: { CommandLine: command, Image: `C:\\Windows\\System32\\inetsrv\\${image}` } });
        // Spell the chosen characters of the command line as character references inside the raw XML: after the reader
        // decodes them the value is the same, but the literal runs the prefilter looks for are gone from the bytes.
        const marker = "<Data Name='CommandLine'>";
        const at = xml.indexOf(marker) + marker.length;
        const end = xml.indexOf('</Data>', at);
        const spelled = [...command]
          .map((c, i) => (m.refMask[i] && !/[&<>'"]/.test(c) ? charRef(c, 0, m.hex) : c === '&' ? '&amp;' : c))
          .join('');
        xml = xml.slice(0, at) + spelled + xml.slice(end);
        const other = variant(xml, { data: { Image: 'C:\\Windows\\System32\\calc.exe' }, recordId: '9' });
        const bytes = new TextEncoder().encode(`${other}\n${xml}\n${other}\n`);
        const withFilter = await findings(bytes, { prefilter: true, split: m.split });
        const without = await findings(bytes, { prefilter: false });
        expect(withFilter).toEqual(without);
      }),
      { numRuns: 200 },
    );
  });

  // XML events come to the prefilter with their EventID position: every spelling the parser may accept but the raw read
  // cannot settle must be parsed, never ruled out.
  it.each([
    ['padded EventID', (x: string) => x.replace('<EventID>1</EventID>', '<EventID> 1 </EventID>')],
    ['EventID with qualifiers', (x: string) => x.replace('<EventID>1</EventID>', "<EventID Qualifiers='0'>1</EventID>")],
    ['comment before the EventID number', (x: string) => x.replace('<EventID>1</EventID>', '<EventID><!-- c -->1</EventID>')],
    ['comment after the EventID number', (x: string) => x.replace('<EventID>1</EventID>', '<EventID>1<!-- c --></EventID>')],
    ['EventID in CDATA', (x: string) => x.replace('<EventID>1</EventID>', '<EventID><![CDATA[1]]></EventID>')],
    ['EventID as a character reference', (x: string) => x.replace('<EventID>1</EventID>', '<EventID>&#49;</EventID>')],
    ['provider in upper case', (x: string) => x.replace("Name='Microsoft-Windows-Sysmon'", "Name='MICROSOFT-WINDOWS-SYSMON'")],
    ['appcmd in upper case', (x: string) => x.replace(/appcmd\.exe/g, 'APPCMD.EXE')],
    ['a second EventID element later in the event', (x: string) => x.replace('</EventData>', '<Data Name="x">1</Data></EventData>').replace('<EventRecordID>', '<EventID>7</EventID><EventRecordID>')],
    ['EventID after the EventData', (x: string) => x.replace('<EventID>1</EventID>', '').replace('</EventData>', '</EventData><EventID>1</EventID>')],
    // What the reader's kernel settles on its own (RawPrefilter.xmlTriage), and its near misses.
    ['a Sysmon process event that cannot match', (x: string) => calc(x)],
    ['a Sysmon process event that cannot match, with a character reference', (x: string) => calc(x).replace('calc.exe</Data>', 'c&#97;lc.exe</Data>')],
    ['EventID 1 of another provider', (x: string) => calc(x).replace(/Microsoft-Windows-Sysmon/g, 'Contoso-Agent')],
    ['EventID 1 of another provider, with a character reference', (x: string) => calc(x).replace(/Microsoft-Windows-Sysmon/g, 'Contoso-Agent').replace('calc.exe</Data>', 'c&#97;lc.exe</Data>')],
    ['EventID 1 of another provider holding appcmd.exe', (x: string) => x.replace(/Microsoft-Windows-Sysmon/g, 'Contoso-Agent')],
    ['appcmd.exe spelled with a character reference wherever it appears', (x: string) => x.replace(/appcmd/gi, '&#97;ppcmd')],
    ['a Sysmon process event naming appcmd.exe only in its parent', (x: string) => calc(x).replace(/<Data Name='ParentImage'>[^<]*</, "<Data Name='ParentImage'>C:\\x\\AppCmd.Exe<")],
  ])('%s: same rows, counts and problems with and without the prefilter', async (_name, edit) => {
    const bytes = new TextEncoder().encode(`${edit(truePositive())}\n`);
    const full = await outcome(bytes, { prefilter: false });
    expectSameOutcome(await outcome(bytes, { prefilter: true }), full);
  });

  it('JSON lines: random case and \\u escapes anywhere in Image and CommandLine, any chunk split', async () => {
    const base = JSON.parse(readFileSync('test/fixtures/jsonl/sigma-renamed-ftp.evtx_dump.json', 'utf8')) as { Event: { EventData: Record<string, unknown> } };
    const image = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';
    const mutation = fc.record({
      caseMask: fc.array(fc.boolean(), { minLength: COMMAND.length, maxLength: COMMAND.length }),
      escapeMask: fc.array(fc.boolean(), { minLength: COMMAND.length, maxLength: COMMAND.length }),
      imageEscapes: fc.array(fc.boolean(), { minLength: image.length, maxLength: image.length }),
      upperHex: fc.boolean(),
      split: fc.array(fc.nat({ max: 4000 }), { maxLength: 4 }),
    });
    // JSON.stringify, then spell the chosen characters as \u00XX escapes (the value JSON.parse gives back is unchanged).
    const spell = (value: string, mask: boolean[], upper: boolean): string =>
      [...value]
        .map((c, i) => {
          if (!mask[i] || !/[a-z0-9. :/]/i.test(c)) return JSON.stringify(c).slice(1, -1);
          const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
          return `\\u${upper ? hex.toUpperCase() : hex}`;
        })
        .join('');
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const command = [...COMMAND].map((c, i) => (m.caseMask[i] ? c.toUpperCase() : c)).join('');
        const event = structuredClone(base);
        event.Event.EventData.Image = '@IMAGE@';
        event.Event.EventData.CommandLine = '@COMMAND@';
        const line = JSON.stringify(event)
          .replace('"@IMAGE@"', () => `"${spell(image, m.imageEscapes, m.upperHex)}"`)
          .replace('"@COMMAND@"', () => `"${spell(command, m.escapeMask, m.upperHex)}"`);
        const other = JSON.stringify(base);
        const bytes = new TextEncoder().encode(`${other}\n${line}\n${other}\n`);
        const full = await outcome(bytes, { prefilter: false });
        expect(full.findings).toHaveLength(1);
        expectSameOutcome(await outcome(bytes, { prefilter: true, split: m.split }), full);
      }),
      { numRuns: 200 },
    );
  });

  it('an Image spelled with a character reference still matches', async () => {
    const xml = truePositive().replace("inetsrv\\appcmd.exe</Data>", 'inetsrv\\&#97;ppcmd.exe</Data>');
    expect(xml).toContain('&#97;ppcmd.exe');
    const rows = await findings(new TextEncoder().encode(xml), { prefilter: true });
    expect(rows).toHaveLength(1);
  });
});
