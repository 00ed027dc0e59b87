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
      refAt: fc.option(fc.nat({ max: COMMAND.length - 1 })),
      hex: fc.boolean(),
      kelvin: fc.boolean(),
      imageCase: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
      split: fc.array(fc.nat({ max: 6000 }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let command = [...COMMAND].map((c, i) => (m.caseMask[i] ? c.toUpperCase() : c)).join('');
        if (m.kelvin) command = command.replace(/k/i, '\u212a');
        const image = [...'appcmd.exe'].map((c, i) => (m.imageCase[i] ? c.toUpperCase() : c)).join('');
        let xml = truePositive({ data: { CommandLine: command, Image: `C:\\Windows\\System32\\inetsrv\\${image}` } });
        if (m.refAt !== null) {
          // Encode one character of the command line inside the raw XML (after the reader decodes it, it is the same value).
          const marker = "<Data Name='CommandLine'>";
          const at = xml.indexOf(marker) + marker.length;
          const value = xml.slice(at, xml.indexOf('</Data>', at));
          const index = Math.min(m.refAt, value.length - 1);
          if (value[index] !== '&') xml = xml.slice(0, at) + charRef(value, index, m.hex) + xml.slice(at + value.length);
        }
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
