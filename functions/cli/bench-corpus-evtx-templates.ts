/**
 * The EVTX templates of the benchmark corpus and how they are written: the System template (substitution indices as
 * Windows numbers them, 0 Level … 17 EventData, read from the records of real Sysmon logs in test/fixtures/evtx) and one
 * EventData template per event shape (`<Data Name='…'>` with a normal substitution each). Element data sizes and
 * attribute-list sizes are filled in as Windows does; template ids are the first 4 bytes of the definition's GUID.
 * One departure, chosen: Windows writes Computer as text inside the System template (one template per computer); the
 * corpus interleaves 52 hosts in one file, so Computer is substitution 18 and one System template serves every record.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { TOKEN, type ChunkWriter } from './bench-corpus-binxml.ts';
import type { EventShape, ValueType } from './bench-corpus-shapes.ts';

/** EVTX value type codes (libevtx format document, Value types). */
export const TYPE = { null: 0x00, string: 0x01, uint8: 0x04, uint16: 0x06, uint32: 0x08, uint64: 0x0a, bool: 0x0d, guid: 0x0f, filetime: 0x11, sid: 0x13, hex32: 0x14, hex64: 0x15, binxml: 0x21 } as const;

const VALUE_TYPE: Record<ValueType, number> = {
  string: TYPE.string, uint16: TYPE.uint16, uint32: TYPE.uint32, hex32: TYPE.hex32, hex64: TYPE.hex64, guid: TYPE.guid, sid: TYPE.sid, bool: TYPE.bool,
};

/** Template content: literal text, a substitution, or an element. */
export type Content = { text: string } | { sub: number; type: number; optional: boolean } | XmlElement;
/** An element of a template definition. */
export interface XmlElement {
  name: string;
  /** Dependency identifier: the substitution whose absence drops the element (-1: none), as Windows sets it. */
  dep: number;
  attributes?: ReadonlyArray<readonly [string, Content]>;
  /** Absent: an empty element (`<Provider …/>`). */
  content?: readonly Content[];
}

const opt = (sub: number, type: number): Content => ({ sub, type, optional: true });
const simple = (name: string, sub: number, type: number): XmlElement => ({ name, dep: sub, content: [opt(sub, type)] });

/** The System template, substitution indices as Windows numbers them (0 Level … 17 EventData), plus 18 Computer. */
export const SYSTEM_TEMPLATE: XmlElement = {
  name: 'Event',
  dep: 17,
  attributes: [['xmlns', { text: 'http://schemas.microsoft.com/win/2004/08/events/event' }]],
  content: [
    {
      name: 'System',
      dep: -1,
      content: [
        { name: 'Provider', dep: -1, attributes: [['Name', opt(14, TYPE.string)], ['Guid', opt(15, TYPE.guid)]] },
        { name: 'EventID', dep: 3, attributes: [['Qualifiers', opt(4, TYPE.uint16)]], content: [opt(3, TYPE.uint16)] },
        simple('Version', 11, TYPE.uint8),
        simple('Level', 0, TYPE.uint8),
        simple('Task', 2, TYPE.uint16),
        simple('Opcode', 1, TYPE.uint8),
        simple('Keywords', 5, TYPE.hex64),
        { name: 'TimeCreated', dep: -1, attributes: [['SystemTime', opt(6, TYPE.filetime)]] },
        simple('EventRecordID', 10, TYPE.uint64),
        { name: 'Correlation', dep: -1, attributes: [['ActivityID', opt(7, TYPE.guid)], ['RelatedActivityID', opt(13, TYPE.guid)]] },
        { name: 'Execution', dep: -1, attributes: [['ProcessID', opt(8, TYPE.uint32)], ['ThreadID', opt(9, TYPE.uint32)]] },
        simple('Channel', 16, TYPE.string),
        simple('Computer', 18, TYPE.string),
        { name: 'Security', dep: -1, attributes: [['UserID', opt(12, TYPE.sid)]] },
      ],
    },
    opt(17, TYPE.binxml),
  ],
};
/** Substitutions of the System template (0–18). */
export const SYSTEM_VALUES = 19;

/** A template's identity: the GUID in its definition, and the 32-bit id instances carry (the GUID's first 4 bytes). */
export interface TemplateId {
  key: string;
  guid: Buffer;
  id: number;
}

function templateId(key: string): TemplateId {
  const guid = createHash('sha256').update(`sysmon-s3-detect bench corpus template ${key}`).digest().subarray(0, 16);
  return { key, guid, id: guid.readUInt32LE(0) };
}

/** The System template's identity. */
export const SYSTEM_ID = templateId('system');

/** A shape's EventData template: its identity, element tree and substitution type codes. */
export interface ShapeTemplate {
  id: TemplateId;
  root: XmlElement;
  types: number[];
}

const shapeTemplates = new Map<EventShape, ShapeTemplate>();

/** The EventData template of a shape: `<Data Name='…'>` with a normal substitution per field. */
export function shapeTemplate(shape: EventShape): ShapeTemplate {
  let t = shapeTemplates.get(shape);
  if (t === undefined) {
    const types = shape.types.map((type) => VALUE_TYPE[type]);
    const root: XmlElement = {
      name: 'EventData',
      dep: -1,
      content: shape.names.map((name, i) => ({ name: 'Data', dep: -1, attributes: [['Name', { text: name }]], content: [{ sub: i, type: types[i] as number, optional: false }] })),
    };
    t = { id: templateId(`eventdata ${shape.key}`), root, types };
    shapeTemplates.set(shape, t);
  }
  return t;
}

function writeContent(w: ChunkWriter, item: Content): void {
  if ('text' in item) {
    w.u8(TOKEN.VALUE);
    w.u8(TYPE.string);
    w.u16(item.text.length);
    w.utf16(item.text);
  } else if ('sub' in item) {
    w.u8(item.optional ? TOKEN.OPTIONAL_SUBSTITUTION : TOKEN.SUBSTITUTION);
    w.u16(item.sub);
    w.u8(item.type);
  } else writeElement(w, item);
}

/** An element with its data size and attribute-list size filled in. */
function writeElement(w: ChunkWriter, element: XmlElement): void {
  const attributes = element.attributes ?? [];
  w.u8(attributes.length > 0 ? TOKEN.OPEN_WITH_ATTRIBUTES : TOKEN.OPEN);
  w.u16(element.dep & 0xffff);
  const sizeAt = w.pos;
  w.u32(0);
  w.name(element.name);
  if (attributes.length > 0) {
    const listAt = w.pos;
    w.u32(0);
    attributes.forEach(([name, value], i) => {
      w.u8(i < attributes.length - 1 ? TOKEN.ATTRIBUTE_MORE : TOKEN.ATTRIBUTE);
      w.name(name);
      writeContent(w, value);
    });
    w.patch32(listAt, w.pos - listAt - 4);
  }
  if (element.content === undefined) w.u8(TOKEN.CLOSE_EMPTY);
  else {
    w.u8(TOKEN.CLOSE_START);
    for (const item of element.content) writeContent(w, item);
    w.u8(TOKEN.END);
  }
  w.patch32(sizeAt, w.pos - sizeAt - 4);
}

/** The 4-byte fragment header (BinXML 1.1). */
export function fragmentHeader(w: ChunkWriter): void {
  w.u8(TOKEN.FRAGMENT_HEADER);
  w.u8(1);
  w.u8(1);
  w.u8(0);
}

/** A template instance: the definition inline on first use in the chunk, then the substitution array. */
export function templateInstance(w: ChunkWriter, template: TemplateId, root: XmlElement, count: number, value: (i: number) => number): void {
  w.u8(TOKEN.TEMPLATE_INSTANCE);
  w.u8(1);
  w.u32(template.id);
  const known = w.templateOffset(template.key);
  if (known !== undefined) w.u32(known);
  else {
    const at = w.pos + 4;
    w.u32(at);
    w.u32(w.registerTemplate(template.key, template.id, at));
    w.raw(template.guid);
    const sizeAt = w.pos;
    w.u32(0);
    fragmentHeader(w);
    writeElement(w, root);
    w.u8(TOKEN.EOF);
    w.patch32(sizeAt, w.pos - sizeAt - 4);
  }
  w.u32(count);
  const descriptors = w.pos;
  w.need(count * 4);
  w.pos += count * 4;
  for (let i = 0; i < count; i += 1) {
    const start = w.pos;
    const type = value(i);
    const size = w.pos - start;
    if (size > 0xffff) throw new RangeError(`EVTX substitution ${i} of template ${template.key} is ${size} bytes, over the 65535 a descriptor holds`);
    w.bytes.writeUInt16LE(size, descriptors + i * 4);
    w.bytes[descriptors + i * 4 + 2] = type;
  }
}
