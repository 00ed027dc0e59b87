import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeXmlEntities } from '../../../functions/core/read/xml-entities.ts';

/** Escapes as the Windows event renderer does: the five predefined entities. */
function escapeFive(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

describe('decodeXmlEntities', () => {
  it.each([
    ['no reference', 'C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\cmd.exe'],
    ['five entities', '&lt;&gt;&amp;&quot;&apos;', `<>&"'`],
    ['one pass only', '&amp;amp;&amp;#65;', '&amp;&#65;'],
    ['decimal', '&#97;&#0000098;', 'ab'],
    ['hex, both cases', '&#x61;&#X62;&#x6A;&#x6a;', 'a&#X62;jj'],
    ['astral', '&#x1F600;&#128512;', '😀😀'],
    ['NUL, surrogates, beyond Unicode stay', '&#0;&#xD800;&#xDFFF;&#x110000;&#1114112;', '&#0;&#xD800;&#xDFFF;&#x110000;&#1114112;'],
    ['not digits', '&#12a;&#x;&#;&#-1;', '&#12a;&#x;&#;&#-1;'],
    ['unknown names stay', '&nbsp;&lol;&xxe;&LT;&amp', '&nbsp;&lol;&xxe;&LT;&amp'],
    ['too long to be a reference', '&#x00000000041;', '&#x00000000041;'],
    ['ampersands around', '&&amp;&', '&&&'],
    ['semicolon far away', `&${'x'.repeat(50)};&lt;`, `&${'x'.repeat(50)};<`],
  ])('%s', (_case, input, output) => {
    expect(decodeXmlEntities(input)).toBe(output);
  });

  it('undoes the renderer escaping for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => decodeXmlEntities(escapeFive(text)) === text));
  });

  it('decodes numeric references to any valid code point', () => {
    const valid = fc.integer({ min: 1, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff);
    fc.assert(
      fc.property(valid, fc.boolean(), (cp, hex) => decodeXmlEntities(`&#${hex ? `x${cp.toString(16)}` : cp};`) === String.fromCodePoint(cp)),
    );
  });

  it('leaves text without a valid reference unchanged', () => {
    fc.assert(fc.property(fc.string().filter((s) => !/&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/.test(s)), (s) => decodeXmlEntities(s) === s));
  });

  it('stays linear on hostile input (a quadratic scan of this would outlast the test timeout by hours)', () => {
    const hostile = `${'&'.repeat(2_000_000)};${'&#'.repeat(1_000_000)}`;
    expect(decodeXmlEntities(hostile)).toBe(hostile);
  });
});
