import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectFormat, peekChunks } from '../../../functions/core/read/detect-format.ts';
import { chunksOf, encode, fixtureBytes } from './xml-fixtures.ts';

const XML = fixtureBytes('xml', 'credential-dumping-via-copy.log');
/** A JSON line as evtx_dump writes it (shape only; the JSON reader's own fixtures hold real ones). */
const JSONL = Buffer.from('{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\\\Windows\\\\System32\\\\cmd.exe"}}}\n');

describe('detectFormat', () => {
  it.each([
    ['real XmlWinEventLog', XML, 'xml'],
    ['the same with a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), XML]), 'xml'],
    ['the same as UTF-16LE with BOM', encode(XML.toString('utf8'), 'utf-16le-bom'), 'xml'],
    ['the same as UTF-16LE without BOM', encode(XML.toString('utf8'), 'utf-16le'), 'xml'],
    ['UTF-16LE with leading CRLF and spaces', encode('\r\n  <Events>', 'utf-16le-bom'), 'xml'],
    ['an XML declaration after blank lines', Buffer.from('\n\n\t<?xml version="1.0"?><Events/>'), 'xml'],
    // splunk/attack_data T1003/test/sysmon.log: the events quoted as one string, `"<Event …`.
    ['XmlWinEventLog quoted as one string', fixtureBytes('xml', 't1003-test-quoted.log'), 'xml'],
    ['the same as UTF-16LE', encode(fixtureBytes('xml', 't1003-test-quoted.log').toString('utf8'), 'utf-16le-bom'), 'xml'],
    ['a quoted string that does not start with <', Buffer.from('"Event"\n'), 'unknown'],
    ['a quote, a space, then <', Buffer.from('" <Event>'), 'unknown'],
    ['a JSON line', JSONL, 'jsonl'],
    // evtx_dump's default output: `Record <n>` before each pretty-printed object (omerbenamram/evtx README).
    ["evtx_dump's Record separator, then the object", Buffer.from('Record 1\n{\n  "Event": {'), 'jsonl'],
    ['the same with CRLF and a long record number cut by the head', Buffer.from('Record 123456789012\r\n{'), 'jsonl'],
    ['Record without a number', Buffer.from('Record none\n{"a":1}'), 'unknown'],
    ['Record followed by other text', Buffer.from('Record 12 of 40\n'), 'unknown'],
    ['a JSON array after whitespace', Buffer.from('  \r\n[{"Event":{}}]'), 'jsonl'],
    ['JSON in UTF-16LE', encode('{"a":1}', 'utf-16le-bom'), 'jsonl'],
    ['EVTX magic', Buffer.from('ElfFile\0\0\0\0\0', 'latin1'), 'evtx'],
    ['EVTX magic cut short', Buffer.from('ElfFil', 'latin1'), 'unknown'],
    ['gzip magic (not decompressed)', fixtureBytes('compressed', 'credential-dumping-via-copy.log.gz'), 'unknown'],
    ['CSV text', Buffer.from('time,host,event\n'), 'unknown'],
    ['empty', Buffer.alloc(0), 'unknown'],
    ['only whitespace', Buffer.from('   \n\n'), 'unknown'],
    ['a lone BOM', Buffer.from([0xef, 0xbb, 0xbf]), 'unknown'],
    ['NUL bytes', Buffer.alloc(16), 'unknown'],
  ])('%s → %s', (_case, head, format) => {
    expect(detectFormat(head.subarray(0, 16))).toBe(format);
  });

  it('never throws, for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 32 }), (head) => ['xml', 'jsonl', 'evtx', 'unknown'].includes(detectFormat(head))));
  });
});

describe('peekChunks', () => {
  it.each([1, 3, 16, 100_000])('the first n bytes across %i-byte chunks, and the whole stream again', async (size) => {
    const peeked = await peekChunks(chunksOf(XML, size), 16);
    expect(Buffer.from(peeked.head).equals(XML.subarray(0, 16))).toBe(true);
    const parts: Uint8Array[] = [];
    for await (const chunk of peeked.chunks) parts.push(chunk);
    expect(Buffer.concat(parts).equals(XML)).toBe(true);
  });

  it('a stream shorter than n gives what there is', async () => {
    const peeked = await peekChunks(chunksOf(Buffer.from('<E'), 1), 16);
    expect(Buffer.from(peeked.head).toString()).toBe('<E');
    const parts: Uint8Array[] = [];
    for await (const chunk of peeked.chunks) parts.push(chunk);
    expect(Buffer.concat(parts).toString()).toBe('<E');
  });

  it('the head is a copy: changing it changes nothing downstream', async () => {
    const peeked = await peekChunks(chunksOf(XML, 1000), 4);
    peeked.head.fill(0);
    const first = await peeked.chunks[Symbol.asyncIterator]().next();
    expect(Buffer.from(first.value as Uint8Array).subarray(0, 4).toString()).toBe('<Eve');
  });

  it('stopping early releases the underlying stream', async () => {
    let released = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield Buffer.from('<Event>');
      } finally {
        released = true;
      }
    }
    const peeked = await peekChunks(source(), 3);
    for await (const _ of peeked.chunks) break;
    expect(released).toBe(true);
  });
});
