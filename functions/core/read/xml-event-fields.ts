/**
 * Parses one framed `<Event>` element with a hand-written, iterative scanner (no XML library, no recursion, no regex on
 * the input's structure): the System fields and the EventData `<Data Name=…>` values. The element must be well formed
 * (balanced, matching tags; quoted attributes) and hold a System element; anything else is a malformed event.
 *
 * The scan runs over the event as a string, so String.indexOf does the searching: an ASCII event is copied as latin1
 * (fast), any other is decoded as UTF-8, invalid sequences becoming U+FFFD. Values are the raw text with entities
 * decoded (xml-entities.ts) and CDATA taken literally: not trimmed, no XML end-of-line or attribute-value normalisation,
 * as Splunk's regex extraction keeps them. A `<Data>` without a Name is skipped; `<UserData>` events have no data. When
 * a field or Data name repeats, the first one wins.
 */
import { Buffer, isAscii } from 'node:buffer';
import type { RawSystem } from './raw-event.ts';
import { decodeXmlEntities } from './xml-entities.ts';
import { holdsAt, nameAt } from './xml-names.ts';

/**
 * The fields of one event, or why it could not be read and where: a byte offset from the event's start (approximate
 * when invalid UTF-8 comes before the fault, each U+FFFD counting three bytes).
 */
export type EventFields =
  | { ok: true; system: RawSystem; data: Record<string, string> }
  | { ok: false; reason: 'malformed-event' | 'forbidden-dtd'; message: string; at: number };

/** Windows events nest about five deep; anything far deeper is hostile and rejected instead of tracked. */
const MAX_DEPTH = 256;

/** What an open element is, for the few we read (numbers, so the stack is a typed array). */
const Role = {
  Other: 0,
  Event: 1,
  System: 2,
  EventData: 3,
  /** A System child whose text is a field (EventID, Version, Channel, Computer, EventRecordID). */
  SystemText: 4,
  /** An EventData `<Data Name=…>` whose text is a value. */
  Data: 5,
} as const;
type Role = (typeof Role)[keyof typeof Role];

const SYSTEM_TEXT: ReadonlyMap<string, keyof RawSystem> = new Map(
  (['EventID', 'Version', 'Channel', 'Computer', 'EventRecordID'] as const).map((name) => [name, name]),
);
/** Which attribute of which System child is a field, and the field's name. */
const SYSTEM_ATTRIBUTE: ReadonlyMap<string, readonly [attribute: string, field: keyof RawSystem]> = new Map([
  ['Provider', ['Name', 'Provider']],
  ['TimeCreated', ['SystemTime', 'TimeCreated']],
  ['Security', ['UserID', 'UserID']],
]);

// Open-element stack, shared by every call (parsing is synchronous): names and roles.
const names: string[] = new Array<string>(MAX_DEPTH + 1).fill('');
const roles = new Uint8Array(MAX_DEPTH + 1);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether char code `c` ends a name (NaN past the end does). */
function isNameEnd(c: number): boolean {
  return !(c > 0x20) || c === 0x3e || c === 0x2f || c === 0x3d;
}

/**
 * The EventData object from the Data elements in document order; when a name repeats, the first wins. Built at the end
 * with plain stores, the common case; a repeated or inherited name (`toString`, `__proto__`) shows up as a key count
 * that does not match, and only then is the object rebuilt with own-property checks.
 */
function dataObject(keys: string[], values: string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (let k = 0; k < keys.length; k += 1) data[keys[k] as string] = values[k] as string;
  if (Object.keys(data).length === keys.length && !Object.hasOwn(data, '__proto__')) return data;
  const first: Record<string, string> = {};
  for (let k = 0; k < keys.length; k += 1) {
    const name = keys[k] as string;
    // defineProperty, since a plain assignment to `__proto__` would change the prototype instead of adding a key.
    if (!Object.hasOwn(first, name)) Object.defineProperty(first, name, { value: values[k], enumerable: true, writable: true, configurable: true });
  }
  return first;
}

function malformed(message: string, at: number): EventFields {
  return { ok: false, reason: 'malformed-event', message, at };
}

/**
 * Buffer's own decoders, which `toString` calls after normalising its arguments: called directly, once per event.
 * Undocumented but long-standing (Node ≥ 0.x); @types/node does not declare them.
 */
interface BufferSlicers {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** One event's text, and how to turn a range of it into a value. */
class EventText {
  readonly x: string;
  readonly ascii: boolean;
  /** The next `&` at or after the last range asked for (ranges are asked in increasing order); x.length when none. */
  #amp: number;

  constructor(bytes: Buffer, start: number, end: number) {
    // ASCII (most events) is copied as latin1, several times faster than UTF-8 decoding and the same text. Structure is
    // ASCII either way, so the scan is the same; only error positions of non-ASCII events count chars, not bytes.
    const slicer = bytes as unknown as BufferSlicers;
    this.ascii = isAscii(bytes.subarray(start, end));
    this.x = this.ascii ? slicer.latin1Slice(start, end) : slicer.utf8Slice(start, end);
    this.#amp = this.#nextAmp(0);
  }

  /** The value of [from, to) with references decoded. */
  value(from: number, to: number): string {
    const raw = this.x.slice(from, to);
    return this.#hasReference(from, to) ? decodeXmlEntities(raw) : raw;
  }

  /** A value used as a key (a Data Name): interned when written without references. */
  name(from: number, to: number): string {
    return this.#hasReference(from, to) ? decodeXmlEntities(this.x.slice(from, to)) : nameAt(this.x, from, to);
  }

  #hasReference(from: number, to: number): boolean {
    if (this.#amp < from) this.#amp = this.#nextAmp(from);
    return this.#amp < to;
  }

  #nextAmp(from: number): number {
    const k = this.x.indexOf('&', from);
    return k < 0 ? this.x.length : k;
  }
}

/** Whether the name at [at, end) equals `name`. */
function nameIs(x: string, at: number, end: number, name: string): boolean {
  return end - at === name.length && holdsAt(x, at, name);
}

/** Where the Name value starts in `<Data Name='`, and the end tag a plain Data element closes with. */
const PLAIN_DATA_NAME = "<Data Name='".length;
const PLAIN_DATA_END = '</Data>';
/** Where the Name value found by the last successful {@link plainDataElement} ends (its closing quote). */
let plainNameEnd = 0;

/**
 * The fast path for the bulk of every event: `<Data Name='N'>text</Data>` exactly (either quote, text without markup).
 * Returns where its `</Data>` starts and sets {@link plainNameEnd}, or 0 when the element is anything else (other
 * spacing, more attributes, self-closing, CDATA or comments inside), which the general scanner then reads to the same
 * result. Checks are on constant chars, so no name is sliced or interned and nothing goes on the stack.
 */
function plainDataElement(x: string, lt: number): number {
  if (
    x.charCodeAt(lt + 1) !== 0x44 || // D
    x.charCodeAt(lt + 2) !== 0x61 || // a
    x.charCodeAt(lt + 3) !== 0x74 || // t
    x.charCodeAt(lt + 4) !== 0x61 || // a
    x.charCodeAt(lt + 5) !== 0x20 ||
    x.charCodeAt(lt + 6) !== 0x4e || // N
    x.charCodeAt(lt + 7) !== 0x61 || // a
    x.charCodeAt(lt + 8) !== 0x6d || // m
    x.charCodeAt(lt + 9) !== 0x65 || // e
    x.charCodeAt(lt + 10) !== 0x3d // =
  ) {
    return 0;
  }
  const quote = x.charCodeAt(lt + 11);
  if (quote !== 0x27 && quote !== 0x22) return 0;
  const nameEnd = x.indexOf(quote === 0x27 ? "'" : '"', lt + PLAIN_DATA_NAME);
  if (nameEnd < 0 || x.charCodeAt(nameEnd + 1) !== 0x3e) return 0;
  const close = x.indexOf('<', nameEnd + 2);
  if (
    close < 0 ||
    x.charCodeAt(close + 1) !== 0x2f || // /
    x.charCodeAt(close + 2) !== 0x44 ||
    x.charCodeAt(close + 3) !== 0x61 ||
    x.charCodeAt(close + 4) !== 0x74 ||
    x.charCodeAt(close + 5) !== 0x61 ||
    x.charCodeAt(close + 6) !== 0x3e
  ) {
    return 0;
  }
  plainNameEnd = nameEnd;
  return close;
}

/** Parses the event in bytes [start, end), which begin with `<Event` and end with its end tag. */
export function parseEventFields(bytes: Buffer, start: number, end: number): EventFields {
  const text = new EventText(bytes, start, end);
  const fields = scanEvent(text);
  // The scan counts chars; a non-ASCII event's fault is located in bytes.
  if (!fields.ok && !text.ascii) fields.at = Buffer.byteLength(text.x.slice(0, fields.at), 'utf8');
  return fields;
}

/** The scan itself, over the event's text; `at` of a failure counts chars. */
function scanEvent(text: EventText): EventFields {
  const x = text.x;
  const n = x.length;
  const system: RawSystem = {};
  const dataKeys: string[] = [];
  const dataValues: string[] = [];
  let depth = 0;
  let sawSystem = false;
  let closedRoot = false;
  /** Text of the element being read (SystemText or Data), built from text runs and CDATA sections. */
  let value: string | undefined;
  /** Field name (SystemText) or Data Name of the element being read. */
  let field = '';
  let i = 0;
  while (i < n) {
    // Tags are mostly adjacent (`</Data><Data …>`): look before searching.
    let lt = x.charCodeAt(i) === 0x3c ? i : x.indexOf('<', i);
    if (lt < 0) lt = n;
    if (lt > i) {
      if (closedRoot) return malformed('text after </Event>', i);
      const role = roles[depth];
      if (role === Role.SystemText || role === Role.Data) value = value === undefined ? text.value(i, lt) : value + text.value(i, lt);
    }
    if (lt >= n) break;
    if (closedRoot) return malformed('markup after </Event>', lt);
    if (roles[depth] === Role.EventData) {
      const close = plainDataElement(x, lt);
      if (close > 0) {
        dataKeys.push(text.name(lt + PLAIN_DATA_NAME, plainNameEnd));
        dataValues.push(text.value(plainNameEnd + 2, close));
        i = close + PLAIN_DATA_END.length;
        continue;
      }
    }
    const next = x.charCodeAt(lt + 1);
    if (next === 0x2f) {
      // End tag: must match the open element's name.
      if (depth === 0) return malformed('end tag without an open element', lt);
      const open = names[depth] as string;
      let j = lt + 2 + open.length;
      if (!holdsAt(x, lt + 2, open) || !isNameEnd(x.charCodeAt(j))) {
        j = lt + 2;
        while (!isNameEnd(x.charCodeAt(j))) j += 1;
        return malformed(`</${x.slice(lt + 2, j)}> does not close <${open}>`, lt);
      }
      while (isSpace(x.charCodeAt(j))) j += 1;
      if (x.charCodeAt(j) !== 0x3e) return malformed('end tag not closed by >', lt);
      const role = roles[depth];
      if (role === Role.SystemText) system[field as keyof RawSystem] ??= value ?? '';
      else if (role === Role.Data) {
        dataKeys.push(field);
        dataValues.push(value ?? '');
      }
      depth -= 1;
      if (depth === 0) closedRoot = true;
      i = j + 1;
    } else if (next === 0x21) {
      if (x.startsWith('<![CDATA[', lt)) {
        const close = x.indexOf(']]>', lt + 9);
        if (close < 0) return malformed('CDATA section not closed by ]]>', lt);
        const role = roles[depth];
        if (role === Role.SystemText || role === Role.Data) value = value === undefined ? x.slice(lt + 9, close) : value + x.slice(lt + 9, close);
        i = close + 3;
      } else if (x.startsWith('<!--', lt)) {
        const close = x.indexOf('-->', lt + 4);
        if (close < 0) return malformed('comment not closed by -->', lt);
        i = close + 3;
      } else if (x.startsWith('<!DOCTYPE', lt)) {
        return { ok: false, reason: 'forbidden-dtd', message: '<!DOCTYPE> inside an event is not allowed (never expanded)', at: lt };
      } else {
        return malformed('unknown <! markup', lt);
      }
    } else if (next === 0x3f) {
      const close = x.indexOf('?>', lt + 2);
      if (close < 0) return malformed('processing instruction not closed by ?>', lt);
      i = close + 2;
    } else {
      // Start tag: name, attributes, `>` or `/>`.
      const nameStart = lt + 1;
      let j = nameStart;
      while (!isNameEnd(x.charCodeAt(j))) j += 1;
      const nameEnd = j;
      if (nameEnd === nameStart) return malformed('< not followed by an element name', lt);
      if (depth >= MAX_DEPTH) return malformed(`elements nested deeper than ${MAX_DEPTH}`, lt);
      const parent = roles[depth] as Role;
      const isData = parent === Role.EventData && nameIs(x, nameStart, nameEnd, 'Data');
      const name = isData ? 'Data' : nameAt(x, nameStart, nameEnd);
      /** The one attribute this element contributes, if any, and its value once found. */
      const systemAttribute = parent === Role.System ? SYSTEM_ATTRIBUTE.get(name) : undefined;
      const wanted = systemAttribute?.[0] ?? (isData ? 'Name' : '');
      let wantedValue: string | undefined;
      let selfClosing = false;
      for (;;) {
        while (isSpace(x.charCodeAt(j))) j += 1;
        const c = x.charCodeAt(j);
        if (c === 0x3e) {
          j += 1;
          break;
        }
        if (c === 0x2f) {
          if (x.charCodeAt(j + 1) !== 0x3e) return malformed('/ in a start tag not followed by >', j);
          selfClosing = true;
          j += 2;
          break;
        }
        if (j >= n) return malformed(`start tag <${x.slice(nameStart, Math.min(nameEnd, nameStart + 40))} not closed by >`, lt);
        const attributeStart = j;
        while (!isNameEnd(x.charCodeAt(j))) j += 1;
        if (j === attributeStart) return malformed('attribute without a name', j);
        const attributeEnd = j;
        while (isSpace(x.charCodeAt(j))) j += 1;
        if (x.charCodeAt(j) !== 0x3d) return malformed('attribute without =', j);
        j += 1;
        while (isSpace(x.charCodeAt(j))) j += 1;
        const quote = x.charCodeAt(j);
        if (quote !== 0x22 && quote !== 0x27) return malformed('attribute value not quoted', j);
        const close = x.indexOf(quote === 0x22 ? '"' : "'", j + 1);
        if (close < 0) return malformed('attribute value not closed', j);
        if (wantedValue === undefined && wanted !== '' && nameIs(x, attributeStart, attributeEnd, wanted)) {
          wantedValue = isData ? text.name(j + 1, close) : text.value(j + 1, close);
        }
        j = close + 1;
      }
      let role: Role = Role.Other;
      if (depth === 0) {
        if (name !== 'Event') return malformed(`root element <${name}> is not <Event>`, lt);
        role = Role.Event;
      } else if (parent === Role.Event) {
        if (name === 'System') {
          role = Role.System;
          sawSystem = true;
        } else if (name === 'EventData') {
          role = Role.EventData;
        }
      } else if (parent === Role.System) {
        const textField = SYSTEM_TEXT.get(name);
        if (textField !== undefined) {
          role = Role.SystemText;
          field = textField;
        } else if (systemAttribute !== undefined && wantedValue !== undefined) {
          system[systemAttribute[1]] ??= wantedValue;
        }
      } else if (isData && wantedValue !== undefined) {
        role = Role.Data;
        field = wantedValue;
      }
      if (selfClosing) {
        if (role === Role.SystemText) system[field as keyof RawSystem] ??= '';
        else if (role === Role.Data) {
          dataKeys.push(field);
          dataValues.push('');
        }
        if (depth === 0) closedRoot = true;
      } else {
        depth += 1;
        names[depth] = name;
        roles[depth] = role;
        if (role === Role.SystemText || role === Role.Data) value = undefined;
      }
      i = j;
    }
  }
  if (!closedRoot) return malformed(`<${names[depth]}> not closed`, n);
  if (!sawSystem) return malformed('no <System> element', 0);
  return { ok: true, system, data: dataObject(dataKeys, dataValues) };
}
