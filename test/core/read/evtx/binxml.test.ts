/**
 * BinXML features real samples rarely hold, on synthetic files built byte by byte (evtx-builder.ts): every value
 * type, CDATA, character and entity references, optional substitutions, nested BinXML fragments. Expected
 * strings are written by hand from the type definitions (libevtx format document) and Windows' XML rendering.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderFiletime } from '../../../../functions/core/read/evtx/windows-time.ts';
import { readAll } from './evtx-fixtures.ts';
import { BinXmlWriter, buildChunk, buildFile, le, sysmonLikeEvent, utf16le, type RecordBody, type SubValue } from './evtx-builder.ts';

/** Reads a file built from `records` (evtx-fixtures.ts's readAll over the builder's bytes). */
function read(records: RecordBody[]): ReturnType<typeof readAll> {
  return readAll(buildFile([buildChunk(records)]));
}

const f32 = (v: number): number[] => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
};
const f64 = (v: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
};

describe('value rendering (one Data element per value type)', () => {
  it.each<[string, SubValue, string]>([
    ['String, NUL-terminated', { type: 0x01, bytes: utf16le('C:\\Windows\\appcmd.exe', true) }, 'C:\\Windows\\appcmd.exe'],
    ['String with non-ASCII', { type: 0x01, bytes: utf16le('Microsoft® Windows®') }, 'Microsoft® Windows®'],
    ['AnsiString', { type: 0x02, bytes: [0x61, 0x62, 0x63, 0] }, 'abc'],
    ['Int8', { type: 0x03, bytes: [0xff] }, '-1'],
    ['UInt8', { type: 0x04, bytes: [0xff] }, '255'],
    ['Int16', { type: 0x05, bytes: le(-2n, 2) }, '-2'],
    ['UInt16', { type: 0x06, bytes: [0xff, 0xff] }, '65535'],
    ['Int32', { type: 0x07, bytes: le(-5n, 4) }, '-5'],
    ['UInt32', { type: 0x08, bytes: [0xff, 0xff, 0xff, 0xff] }, '4294967295'],
    ['Int64 small', { type: 0x09, bytes: le(-2n, 8) }, '-2'],
    ['Int64 large', { type: 0x09, bytes: le(-(2n ** 62n), 8) }, '-4611686018427387904'],
    ['UInt64 small', { type: 0x0a, bytes: le(5875n, 8) }, '5875'],
    ['UInt64 max', { type: 0x0a, bytes: le(2n ** 64n - 1n, 8) }, '18446744073709551615'],
    ['Real32', { type: 0x0b, bytes: f32(1.5) }, '1.5'],
    ['Real64', { type: 0x0c, bytes: f64(0.25) }, '0.25'],
    ['Bool true', { type: 0x0d, bytes: [1, 0, 0, 0] }, 'true'],
    ['Bool false', { type: 0x0d, bytes: [0, 0, 0, 0] }, 'false'],
    ['Binary', { type: 0x0e, bytes: [0xde, 0xad, 0xbe, 0xef] }, 'DEADBEEF'],
    // The Sysmon provider GUID; the first three groups are stored little-endian.
    ['GUID', { type: 0x0f, bytes: [0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9] }, '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'],
    ['SizeT (64-bit)', { type: 0x10, bytes: le(0x1234n, 8) }, '0x1234'],
    ['FILETIME', { type: 0x11, bytes: le(132_033_941_227_110_058n, 8) }, '2019-05-27T01:28:42.711005800Z'],
    ['SYSTEMTIME', { type: 0x12, bytes: [...le(2020n, 2), ...le(1n, 2), ...le(4n, 2), ...le(2n, 2), ...le(3n, 2), ...le(4n, 2), ...le(5n, 2), ...le(678n, 2)] }, '2020-01-02T03:04:05.678000000Z'],
    ['SID', { type: 0x13, bytes: [1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, ...le(3463664321n, 4), ...le(2923530833n, 4), ...le(3546627382n, 4), ...le(1000n, 4)] }, 'S-1-5-21-3463664321-2923530833-3546627382-1000'],
    ['HexInt32', { type: 0x14, bytes: le(0x1010n, 4) }, '0x1010'],
    ['HexInt64', { type: 0x15, bytes: le(0x8000000000000000n, 8) }, '0x8000000000000000'],
    ['HexInt64 small', { type: 0x15, bytes: le(0x3e7n, 8) }, '0x3e7'],
    ['String array', { type: 0x81, bytes: utf16le('a\0b\0') }, 'a,b'],
    ['UInt16 array', { type: 0x86, bytes: [1, 0, 2, 0] }, '1,2'],
    ['HexInt32 array', { type: 0x94, bytes: [...le(0xan, 4), ...le(0xffn, 4)] }, '0xa,0xff'],
    ['Null (optional substitution left empty)', { type: 0x00, bytes: [] }, ''],
  ])('%s', async (_label, value, expected) => {
    const { events, problems } = await read([(w) => sysmonLikeEvent(w, [{ name: 'Value', value }])]);
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual({ Value: expected });
  });

  it('renders the System block (FILETIME attribute, SID attribute, UInt64 text)', async () => {
    const { events } = await read([(w) => sysmonLikeEvent(w, [])]);
    expect(events[0]?.system).toEqual({
      Provider: 'Microsoft-Windows-Sysmon',
      EventID: '1',
      TimeCreated: '2019-05-27T01:28:42.711005800Z',
      EventRecordID: '5875',
      Computer: 'IEWIN7',
      UserID: 'S-1-5-18',
    });
  });

  it('FILETIME rendering equals a BigInt reference for any instant from 1970 to 9999', () => {
    const reference = (ticks: bigint): string => {
      const unixTicks = ticks - 116_444_736_000_000_000n;
      const seconds = unixTicks / 10_000_000n;
      const frac = unixTicks % 10_000_000n;
      return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(7, '0')}00Z`;
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 116_444_736_000_000_000n, max: 2_650_467_743_999_999_999n }), (ticks) => {
        expect(renderFiletime(Number(ticks & 0xffff_ffffn), Number(ticks >> 32n))).toBe(reference(ticks));
      }),
      { numRuns: 500 },
    );
  });
});

describe('element content', () => {
  it('joins text, entity references, character references and CDATA', async () => {
    const body = (w: BinXmlWriter): void => {
      w.fragmentHeader().open('Event').closeStart().open('EventData').closeStart();
      w.open('Data', { attributes: true }).attribute('Name').text('Mixed').closeStart();
      w.text('a').entityRef('amp').charRef(0x42).cdata('<c>').entityRef('lt').entityRef('custom').end();
      w.open('Data', { attributes: true }).attribute('Name').text('Empty').closeEmpty();
      w.end().end().eof();
    };
    const { events, problems } = await read([body]);
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual({ Mixed: 'a&B<c><&custom;', Empty: '' });
  });

  it('omits an attribute whose optional substitution is empty, keeps the element', async () => {
    const body = (w: BinXmlWriter): void => {
      w.fragmentHeader().template(
        (t) => {
          t.fragmentHeader().open('Event').closeStart().open('System').closeStart();
          t.open('EventID', { attributes: true }).attribute('Qualifiers').sub(0, 0x06, true).closeStart().sub(1, 0x06).end();
          t.open('Security', { attributes: true }).attribute('UserID').sub(2, 0x13, true).closeEmpty();
          t.end().end().eof();
        },
        [{ type: 0x00, bytes: [] }, { type: 0x06, bytes: le(7036n, 2) }, { type: 0x00, bytes: [] }],
      ).eof();
    };
    const { events } = await read([body]);
    expect(events[0]?.system).toEqual({ EventID: '7036' });
  });

  it('splices a BinXML substitution value (template inside, and bare elements without dependency ids)', async () => {
    const body = (w: BinXmlWriter): void => {
      w.fragmentHeader().template(
        (t) => {
          t.fragmentHeader().open('Event').closeStart();
          t.open('EventData').closeStart().sub(0, 0x21).end();
          t.end().eof();
        },
        // The BinXML value is written below, once its chunk offset is known.
        [],
      );
      // Rewrite the (empty) substitution array by hand: count 1, one descriptor, then the nested fragment.
      w.out.length -= 4;
      const nested = new BinXmlWriter(w.pos + 4 + 4);
      nested.fragmentHeader().template((t) => {
        t.fragmentHeader().open('Data', { attributes: true }).attribute('Name').text('Inner').closeStart().sub(0, 0x01).end().eof();
      }, [{ type: 0x01, bytes: utf16le('from a template') }]);
      nested.open('Data', { attributes: true, insideSubstitution: true }).attribute('Name').text('Bare').closeStart().text('no dependency id').end();
      nested.eof();
      w.u32(1).u16(nested.out.length).u8(0x21, 0).u8(...nested.out).eof();
    };
    const { events, problems } = await read([body]);
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual({ Inner: 'from a template', Bare: 'no dependency id' });
  });

  it('looks names up as data, not on Object.prototype (elements and entities named constructor, toString)', async () => {
    const body = (w: BinXmlWriter): void => {
      w.fragmentHeader().open('Event').closeStart().open('System').closeStart();
      w.open('constructor').closeStart().text('x').end().open('toString', { attributes: true }).attribute('Name').text('y').closeEmpty();
      w.end().open('EventData').closeStart().open('Data', { attributes: true }).attribute('Name').text('A').closeStart().entityRef('constructor').end();
      w.end().end().eof();
    };
    const { events, problems } = await read([body]);
    expect(problems).toEqual([]);
    expect(events[0]?.system).toEqual({});
    expect(events[0]?.data).toEqual({ A: '&constructor;' });
  });

  it('keeps the first of repeated Data names, as the XML reader does', async () => {
    const { events } = await read([(w) => sysmonLikeEvent(w, [
      { name: 'A', value: { type: 0x01, bytes: utf16le('first') } },
      { name: 'A', value: { type: 0x01, bytes: utf16le('second') } },
    ])]);
    expect(events[0]?.data).toEqual({ A: 'first' });
  });

  it('keeps first values and key order when one template fills EventData twice, after a literal Data, and alone', async () => {
    const str = (s: string): SubValue => ({ type: 0x01, bytes: utf16le(s) });
    const dataAB = (t: BinXmlWriter): void => {
      t.fragmentHeader();
      t.open('Data', { attributes: true }).attribute('Name').text('A').closeStart().sub(0, 0x01).end();
      t.open('Data', { attributes: true }).attribute('Name').text('B').closeStart().sub(1, 0x01).end();
      t.eof();
    };
    const twice = (w: BinXmlWriter): void => {
      w.fragmentHeader().open('Event').closeStart().open('EventData').closeStart();
      w.open('Data', { attributes: true }).attribute('Name').text('B').closeStart().text('before').end();
      // template(): token, version, template id (6 bytes), then the definition offset, which points past itself.
      const definitionAt = w.pos + 10;
      w.template(dataAB, [str('one'), str('x')]);
      w.templateRef(definitionAt, [str('two'), str('y')]);
      w.end().end().eof();
    };
    const alone = (w: BinXmlWriter): void => {
      w.fragmentHeader().open('Event').closeStart().open('EventData').closeStart();
      w.template(dataAB, [str('three'), str('z')]);
      w.end().end().eof();
    };
    const { events, problems } = await read([twice, alone]);
    expect(problems).toEqual([]);
    expect(events.map((e) => Object.entries(e.data))).toEqual([
      [['B', 'before'], ['A', 'one']],
      [['A', 'three'], ['B', 'z']],
    ]);
  });

  it('decodes string values at odd and even offsets within one instance (1-byte values shift the parity)', async () => {
    const { events, problems } = await read([(w) => sysmonLikeEvent(w, [
      { name: 'A', value: { type: 0x04, bytes: [7] } },
      { name: 'B', value: { type: 0x01, bytes: utf16le('after one byte', true) } },
      { name: 'C', value: { type: 0x01, bytes: utf16le('x\u00e9\u{1F600}') } },
      { name: 'D', value: { type: 0x04, bytes: [9] } },
      { name: 'E', value: { type: 0x01, bytes: utf16le('after two bytes', true) } },
      { name: 'F', value: { type: 0x01, bytes: [] } },
    ])]);
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual({ A: '7', B: 'after one byte', C: 'x\u00e9\u{1F600}', D: '9', E: 'after two bytes', F: '' });
  });

  it('renders GUIDs that share their first bytes apart (recent GUIDs are remembered by their first byte)', async () => {
    const guid = (last: number, first = 0x5f): SubValue => ({ type: 0x0f, bytes: [first, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, last] });
    const { events, problems } = await read([(w) => sysmonLikeEvent(w, [
      { name: 'A', value: guid(0xd9) },
      { name: 'B', value: guid(0xda) },
      { name: 'C', value: guid(0xd9) },
      { name: 'D', value: guid(0xd9, 0x60) },
      { name: 'E', value: guid(0xda) },
    ])]);
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual({
      A: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      B: '{5770385F-C22A-43E0-BF4C-06F5698FFBDA}',
      C: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      D: '{57703860-C22A-43E0-BF4C-06F5698FFBD9}',
      E: '{5770385F-C22A-43E0-BF4C-06F5698FFBDA}',
    });
  });

  it('keeps a Data element named __proto__ as a plain key', async () => {
    const { events } = await read([(w) => sysmonLikeEvent(w, [{ name: '__proto__', value: { type: 0x01, bytes: utf16le('x') } }])]);
    expect(Object.keys(events[0]?.data ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(events[0]?.data)).toBe(Object.prototype);
  });
});
