/**
 * Template definitions are shared across chunks when only their chunk offsets differ (template-cache.ts). These
 * synthetic files give later chunks definitions with the same GUID and size (the builder writes one GUID for every
 * template) whose names differ only where a byte comparison cannot see it: in a name referenced by offset. Each chunk
 * must yield the names its own bytes hold. Expected values are written by hand from the records built here.
 */
import { describe, expect, it } from 'vitest';
import { readAll } from './evtx-fixtures.ts';
import { BinXmlWriter, buildChunk, buildFile, utf16le, type RecordBody, type SubValue } from './evtx-builder.ts';

const str = (s: string): SubValue => ({ type: 0x01, bytes: utf16le(s) });

/** Reads a file built from `chunks` (evtx-fixtures.ts's readAll over the builder's bytes). */
function read(chunks: RecordBody[][]): ReturnType<typeof readAll> {
  return readAll(buildFile(chunks.map((records) => buildChunk(records))));
}

/** An element whose name is a reference to the name stored at chunk offset `nameAt` (not written inline). */
function openByReference(w: BinXmlWriter, nameAt: number): BinXmlWriter {
  return w.u8(0x01).u16(0xffff).u32(0).u32(nameAt);
}

/** `<Event><System><NAME>%0</NAME></System></Event>`; reports the chunk offset of NAME's inline name. */
function systemFieldTemplate(name: string, at: (offset: number) => void): (t: BinXmlWriter) => void {
  return (t) => {
    t.fragmentHeader().open('Event').closeStart().open('System').closeStart();
    // open() writes token, dependency id and data size (7 bytes), then the name's offset word, then the name.
    at(t.pos + 11);
    t.open(name).closeStart().sub(0, 0x01).end();
    t.end().end().eof();
  };
}

describe('template definitions shared across chunks', () => {
  it('a name referenced from outside the definition is resolved in each chunk', async () => {
    // Record 1 defines the name inline in its own template; record 2's template refers to it by offset. Both
    // chunks lay the records out alike, so record 2's definition bytes are the same in both: only the name differs.
    const chunk = (name: string): RecordBody[] => {
      let nameAt = 0;
      return [
        (w) => void w.fragmentHeader().template(systemFieldTemplate(name, (at) => (nameAt = at)), [str('one')]).eof(),
        (w) =>
          void w
            .fragmentHeader()
            .template((t) => {
              t.fragmentHeader().open('Event').closeStart().open('System').closeStart();
              openByReference(t, nameAt).closeStart().sub(0, 0x01).end();
              t.end().end().eof();
            }, [str('two')])
            .eof(),
      ];
    };
    const { events, problems } = await read([chunk('EventID'), chunk('Channel')]);
    expect(problems).toEqual([]);
    expect(events.map((e) => e.system)).toEqual([{ EventID: 'one' }, { EventID: 'two' }, { Channel: 'one' }, { Channel: 'two' }]);
  });

  it('a reference to a name inside the definition must point at the same place in it', async () => {
    // <Event><EventID/><Channel/><System><REF>%0</REF></System></Event>: only System's child is read, and REF is a
    // reference to one of the two names written inline before it (same bytes otherwise, same GUID and size).
    const chunk = (pick: 'first' | 'second'): RecordBody[] => [
      (w) =>
        void w
          .fragmentHeader()
          .template((t) => {
            t.fragmentHeader().open('Event').closeStart();
            const first = t.pos + 11;
            t.open('EventID').closeEmpty();
            const second = t.pos + 11;
            t.open('Channel').closeEmpty();
            t.open('System').closeStart();
            openByReference(t, pick === 'first' ? first : second).closeStart().sub(0, 0x01).end();
            t.end().end().eof();
          }, [str('value')])
          .eof(),
    ];
    const { events, problems } = await read([chunk('first'), chunk('second'), chunk('first')]);
    expect(problems).toEqual([]);
    expect(events.map((e) => e.system)).toEqual([{ EventID: 'value' }, { Channel: 'value' }, { EventID: 'value' }]);
  });

  it('an equal definition at another offset of a later chunk reads the same', async () => {
    // In chunk 2 a record of another template comes first, so the definition (with an internal reference) moves.
    const record: RecordBody = (w) =>
      void w
        .fragmentHeader()
        .template((t) => {
          t.fragmentHeader().open('Event').closeStart();
          const computer = t.pos + 11;
          t.open('Computer').closeEmpty();
          t.open('System').closeStart();
          openByReference(t, computer).closeStart().sub(0, 0x01).end();
          t.end();
          t.open('EventData').closeStart().open('Data', { attributes: true }).attribute('Name').text('Image').closeStart().sub(1, 0x01).end();
          t.end().end().eof();
        }, [str('HOST'), str('C:\\Windows\\System32\\cmd.exe')])
        .eof();
    const other: RecordBody = (w) => void w.fragmentHeader().template(systemFieldTemplate('Version', () => undefined), [str('5')]).eof();
    const { events, problems } = await read([[record, record], [other, record]]);
    expect(problems).toEqual([]);
    const expected = { system: { Computer: 'HOST' }, data: { Image: 'C:\\Windows\\System32\\cmd.exe' } };
    expect(events.map((e) => ({ system: e.system, data: e.data }))).toEqual([expected, expected, { system: { Version: '5' }, data: {} }, expected]);
  });
});
