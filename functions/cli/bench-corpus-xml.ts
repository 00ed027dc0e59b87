/**
 * A corpus event as Splunk's XmlWinEventLog line: `<Event xmlns='…'>…</Event>`, single-quoted attributes, one event per
 * line. Text is escaped as Windows renders it (every XmlWinEventLog line under the workspace's sample logs): `&`, `<` and `>`
 * become entities, quotes stay literal. GUIDs are upper-case braces, HexInt values `0x…` without padding, booleans
 * `true`/`false`, TimeCreated nine fractional digits ending in `00` (FILETIME counts 100 ns).
 */
import { isoMillis } from './bench-corpus-time.ts';
import { hexText, type CorpusEvent, type EventShape, type FieldValue, type ValueType } from './bench-corpus-shapes.ts';

const NAMESPACE = 'http://schemas.microsoft.com/win/2004/08/events/event';
const SPECIAL = /[&<>]/;
const SPECIAL_ALL = /[&<>]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** `&`, `<`, `>` as entities. */
export function escapeXmlText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ENTITY[c] as string) : text;
}

/** A value as its XML text (before escaping). */
export function valueText(value: FieldValue, type: ValueType): string {
  switch (type) {
    case 'hex32':
    case 'hex64':
      return hexText(value as number);
    case 'string':
    case 'guid':
    case 'sid':
    case 'uint16':
    case 'uint32':
    case 'bool':
      return String(value);
  }
}

/** TimeCreated/@SystemTime: `2024-05-14T06:00:01.2345678` + `00Z`, as Windows renders a FILETIME. */
export function systemTime(event: Pick<CorpusEvent, 'timeMs' | 'ticks'>): string {
  return `${isoMillis(event.timeMs)}${String(event.ticks).padStart(4, '0')}00Z`;
}

interface XmlParts {
  head: string;
  dataOpen: string[];
}

/** The constant text of each shape, built once. */
const parts = new Map<EventShape, XmlParts>();

function partsOf(shape: EventShape): XmlParts {
  let p = parts.get(shape);
  if (p === undefined) {
    const provider = shape.provider;
    p = {
      head:
        `<Event xmlns='${NAMESPACE}'><System><Provider Name='${provider.name}' Guid='${provider.guid}'/><EventID>${shape.eventId}</EventID>` +
        `<Version>${shape.version}</Version><Level>${shape.level}</Level><Task>${shape.task}</Task><Opcode>${shape.opcode}</Opcode>` +
        `<Keywords>${provider.keywords}</Keywords><TimeCreated SystemTime='`,
      dataOpen: shape.names.map((name) => `<Data Name='${name}'>`),
    };
    parts.set(shape, p);
  }
  return p;
}

/** One XmlWinEventLog line, `\n` included. */
export function renderXml(event: CorpusEvent): string {
  const shape = event.shape;
  const p = partsOf(shape);
  let line =
    `${p.head}${systemTime(event)}'/><EventRecordID>${event.recordId}</EventRecordID><Correlation/>` +
    `<Execution ProcessID='${event.processId}' ThreadID='${event.threadId}'/><Channel>${shape.provider.channel}</Channel>` +
    `<Computer>${event.computer}</Computer>${event.userId === null ? '<Security/>' : `<Security UserID='${event.userId}'/>`}</System><EventData>`;
  const { values } = event;
  const types = shape.types;
  for (let i = 0; i < values.length; i += 1) {
    const type = types[i] as ValueType;
    // Only strings can hold `&<>`: GUIDs, SIDs, numbers and booleans skip the escape test.
    const text = type === 'string' ? escapeXmlText(values[i] as string) : valueText(values[i] as FieldValue, type);
    line += `${p.dataOpen[i]}${text}</Data>`;
  }
  return `${line}</EventData></Event>\n`;
}
