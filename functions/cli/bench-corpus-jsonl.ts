/**
 * A corpus event as omerbenamram/evtx's `evtx_dump -o jsonl` writes it (the shape functions/core/read/jsonl-shapes.ts
 * reads as `evtx_dump`; compare test/fixtures/jsonl/sigma-renamed-ftp.evtx_dump.json): attributes under `#attributes`,
 * integers as JSON numbers, HexInt values and Keywords as `"0x…"` strings, GUIDs upper-case without braces, booleans as
 * JSON booleans, SystemTime with microseconds, an element without attributes (`<Security/>`, `<Correlation/>`) as null.
 */
import type { CorpusEvent, EventShape, FieldValue, ValueType } from './bench-corpus-shapes.ts';
import { hexText } from './bench-corpus-shapes.ts';
import { isoMillis } from './bench-corpus-time.ts';

const NAMESPACE = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** A GUID as evtx_dump prints it: no braces. */
function bareGuid(guid: string): string {
  return guid.slice(1, -1);
}

/** A value as JSON text. */
function valueJson(value: FieldValue, type: ValueType): string {
  switch (type) {
    case 'string':
    case 'sid':
      return JSON.stringify(value);
    case 'guid':
      return `"${bareGuid(value as string)}"`;
    case 'hex32':
    case 'hex64':
      return `"${hexText(value as number)}"`;
    case 'uint16':
    case 'uint32':
    case 'bool':
      return String(value);
  }
}

/** evtx_dump's SystemTime: microseconds and `Z` (chrono's rendering of the FILETIME). */
function systemTimeMicros(event: CorpusEvent): string {
  return `${isoMillis(event.timeMs)}${String(Math.floor(event.ticks / 10)).padStart(3, '0')}Z`;
}

interface JsonParts {
  head: string;
  keys: string[];
}

const parts = new Map<EventShape, JsonParts>();

function partsOf(shape: EventShape): JsonParts {
  let p = parts.get(shape);
  if (p === undefined) {
    const provider = shape.provider;
    p = {
      head:
        `{"Event":{"#attributes":{"xmlns":"${NAMESPACE}"},"System":{"Provider":{"#attributes":{"Name":${JSON.stringify(provider.name)},` +
        `"Guid":"${bareGuid(provider.guid)}"}},"EventID":${shape.eventId},"Version":${shape.version},"Level":${shape.level},` +
        `"Task":${shape.task},"Opcode":${shape.opcode},"Keywords":"${provider.keywords}","TimeCreated":{"#attributes":{"SystemTime":"`,
      keys: shape.names.map((name, i) => `${i === 0 ? '' : ','}${JSON.stringify(name)}:`),
    };
    parts.set(shape, p);
  }
  return p;
}

/** One JSON line, `\n` included. */
export function renderJsonl(event: CorpusEvent): string {
  const shape = event.shape;
  const p = partsOf(shape);
  let line =
    `${p.head}${systemTimeMicros(event)}"}},"EventRecordID":${event.recordId},"Correlation":null,` +
    `"Execution":{"#attributes":{"ProcessID":${event.processId},"ThreadID":${event.threadId}}},"Channel":${JSON.stringify(shape.provider.channel)},` +
    `"Computer":${JSON.stringify(event.computer)},"Security":${event.userId === null ? 'null' : `{"#attributes":{"UserID":"${event.userId}"}}`}},"EventData":{`;
  const { values } = event;
  for (let i = 0; i < values.length; i += 1) line += `${p.keys[i]}${valueJson(values[i] as FieldValue, shape.types[i] as ValueType)}`;
  return `${line}}}}\n`;
}
