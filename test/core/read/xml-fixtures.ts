/**
 * Test support for the XML reader: fixture bytes, an independent oracle that reads events the way Splunk's TA does
 * (regexes over the raw text, the five entities decoded by a replace chain) and layout transforms that re-render real
 * events in the other shapes producers write. The oracle shares no code with the reader.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ByteChunks, ReadItem, RawEvent, Problem } from '../../../functions/core/read/raw-event.ts';
import { readXmlEvents, type XmlReaderOptions, type XmlReaderStats } from '../../../functions/core/read/xml-events.ts';

/** Bytes of test/fixtures/<area>/<name>. */
export function fixtureBytes(area: 'xml' | 'compressed', name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/${area}/${name}`, import.meta.url)));
}

/** What the oracle expects of one event. */
export interface ExpectedEvent {
  offset: number;
  line: number;
  system: Record<string, string>;
  data: Record<string, string>;
}

function decodeFive(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function first(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? undefined : decodeFive(match[1]);
}

/** Events of a well-formed text, found and read with regexes; offsets count UTF-8 bytes of `text`. */
export function oracle(text: string): ExpectedEvent[] {
  const events: ExpectedEvent[] = [];
  for (const match of text.matchAll(/<Event[\s>][\s\S]*?<\/Event>/g)) {
    const xml = match[0];
    const before = text.slice(0, match.index);
    const system: Record<string, string> = {};
    const fields: [string, RegExp][] = [
      ['Provider', /<Provider Name=['"]([^'"]*)['"]/],
      ['EventID', /<EventID(?:\s[^>]*)?>([^<]*)</],
      ['Version', /<Version>([^<]*)</],
      ['Channel', /<Channel>([^<]*)</],
      ['Computer', /<Computer>([^<]*)</],
      ['EventRecordID', /<EventRecordID>([^<]*)</],
      ['TimeCreated', /<TimeCreated SystemTime=['"]([^'"]*)['"]/],
      ['UserID', /<Security UserID=['"]([^'"]*)['"]/],
    ];
    for (const [name, pattern] of fields) {
      const value = first(xml, pattern);
      if (value !== undefined) system[name] = value;
    }
    const data: Record<string, string> = {};
    for (const d of xml.matchAll(/<Data Name=(['"])([^'"]*)\1(?:\/>|>([^<]*)<\/Data>)/g)) {
      const name = decodeFive(d[2] as string);
      if (!(name in data)) data[name] = decodeFive(d[3] ?? '');
    }
    events.push({ offset: Buffer.byteLength(before, 'utf8'), line: before.split('\n').length, system, data });
  }
  return events;
}

/** The events of `text` one by one, as written (for building layouts and hostile mixes). */
export function rawEvents(text: string): string[] {
  return Array.from(text.matchAll(/<Event[\s>][\s\S]*?<\/Event>/g), (m) => m[0]);
}

/** Layout transforms: the same events in the shapes other producers write. */
export const LAYOUTS: Record<string, (text: string) => string> = {
  'as published': (text) => text,
  'double-quoted attributes': (text) => text.replace(/(<[A-Za-z][^<>]*>)/g, (tag) => tag.replace(/='([^'<>]*)'/g, '="$1"')),
  // Whitespace only after end tags, self-closing tags and container start tags, so no value changes.
  'pretty-printed': (text) =>
    text
      .replace(/(<\/[^>]+>|\/>)(?=<)/g, '$1\n    ')
      .replace(/(<(?:Event|System|EventData)(?:\s[^>]*)?>)(?=<)/g, '$1\n  '),
  'wrapper and declaration': (text) => `<?xml version="1.0" encoding="utf-8"?>\n<Events>\n${text}\n</Events>\n`,
  CRLF: (text) => text.replace(/\r?\n/g, '\r\n'),
  'UTF-8 BOM': (text) => `\uFEFF${text}`,
  'comments between and inside events': (text) =>
    `<!-- exported for a test; not an event -->\n${text.replace(/<\/System>/g, '</System><!-- a comment -->').replace(/<\/Event>\n/g, '</Event>\n<!-- next -->\n')}`,
  'concatenated BOM-prefixed files': (text) => `\uFEFF${text}\n\uFEFF${text}`,
};

/** Encodes text the way a layout's file would hold it. */
export function encode(text: string, encoding: 'utf-8' | 'utf-16le' | 'utf-16le-bom'): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  const body = Buffer.from(text, 'utf16le');
  return encoding === 'utf-16le' ? body : Buffer.concat([Buffer.from([0xff, 0xfe]), body]);
}

/** A stream of `bytes` in chunks of `size` bytes (copies, so the reader cannot lean on one big buffer). */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield Uint8Array.prototype.slice.call(bytes, at, at + size);
}

/** A stream cut at the given offsets. */
export async function* splitAt(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    yield bytes.slice(from, cut);
    from = cut;
  }
  if (from < bytes.length || bytes.length === 0) yield bytes.slice(from);
}

/** Everything a read produced. */
export interface ReadResult {
  items: ReadItem[];
  events: RawEvent[];
  problems: Problem[];
  stats: XmlReaderStats;
}

/** Reads a whole stream. */
export async function readAll(chunks: ByteChunks, options: Omit<XmlReaderOptions, 'stats'> = {}): Promise<ReadResult> {
  const stats: XmlReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const items: ReadItem[] = [];
  for await (const item of readXmlEvents(chunks, { ...options, stats })) items.push(item);
  const events = items.flatMap((item) => (item.ok ? [item.event] : []));
  const problems = items.flatMap((item) => (item.ok ? [] : [item.problem]));
  return { items, events, problems, stats };
}

/** Reads bytes given whole. */
export function readBytes(bytes: Uint8Array, options: Omit<XmlReaderOptions, 'stats'> = {}): Promise<ReadResult> {
  return readAll(chunksOf(bytes, Math.max(bytes.length, 1)), options);
}

/** An event as the oracle describes it. */
export function asExpected(event: RawEvent): ExpectedEvent {
  return {
    offset: event.location.offset,
    line: event.location.line ?? -1,
    system: { ...event.system } as Record<string, string>,
    data: { ...event.data },
  };
}
