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

async function findings(bytes: Uint8Array, options: { prefilter: boolean; split?: number[] }): Promise<unknown[]> {
  const scan = new Scan({ prefilter: options.prefilter });
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...(options.split ?? [])].sort((a, b) => a - b)) {
    if (cut > at && cut < bytes.length) {
      chunks.push(bytes.subarray(at, cut));
      at = cut;
    }
  }
  chunks.push(bytes.subarray(at));
  await scan.scanSource({ kind: 'file', path: 'x' }, chunks as unknown as AsyncIterable<Uint8Array>);
  return scan.findings();
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

describe('prefilter differential', () => {
  it.each(fixtureFiles('test/fixtures').map((f) => [f]))('%s: same findings with and without the prefilter', async (file) => {
    const bytes = readFileSync(file);
    expect(await findings(bytes, { prefilter: true })).toEqual(await findings(bytes, { prefilter: false }));
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

  it('an Image spelled with a character reference still matches', async () => {
    const xml = truePositive().replace("inetsrv\\appcmd.exe</Data>", 'inetsrv\\&#97;ppcmd.exe</Data>');
    expect(xml).toContain('&#97;ppcmd.exe');
    const rows = await findings(new TextEncoder().encode(xml), { prefilter: true });
    expect(rows).toHaveLength(1);
  });
});
