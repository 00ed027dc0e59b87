/**
 * Substitution values rendered as Windows renders them in event XML: integers in decimal, HexInt32/64 as
 * lowercase `0x…`, GUIDs `{…}` uppercase, SIDs `S-1-…`, booleans `true`/`false`, FILETIME/SYSTEMTIME in ISO
 * form, binary as uppercase hex. Array values (type | 0x80) are rendered item by item and joined with `,`.
 */
import { EvtxFormatError } from './evtx-format-error.ts';
import { outside, shortError, utf16, type ChunkContext } from './chunk-context.ts';
import { renderFiletime, renderSystemtime } from './windows-time.ts';
import type { SubstitutionValues } from './binxml-tree.ts';

/** Width of one item of each fixed-size value type, 0 for the others (SizeT takes its width from the value size). */
const FIXED_VALUE_WIDTHS = new Uint8Array(256);
for (const [type, width] of [
  [0x03, 1], [0x04, 1], [0x05, 2], [0x06, 2], [0x07, 4], [0x08, 4], [0x09, 8], [0x0a, 8], [0x0b, 4], [0x0c, 8], [0x0d, 4],
  [0x0f, 16], [0x11, 8], [0x12, 16], [0x14, 4], [0x15, 8],
] as const) FIXED_VALUE_WIDTHS[type] = width;

/** Width of one item of a fixed-size value type; undefined for variable-size and unknown types. */
export function fixedValueWidth(type: number): number | undefined {
  const width = FIXED_VALUE_WIDTHS[type & 0xff] as number;
  return width === 0 || type > 0xff ? undefined : width;
}

/** Renders the value of `type` stored in `size` bytes at chunk offset `at`. */
export function renderValue(ctx: ChunkContext, type: number, at: number, size: number): string {
  if (outside(at, size, ctx.bytes.length)) throw shortError(ctx, at, size, ctx.bytes.length, `value of type 0x${type.toString(16)}`);
  if (type & 0x80) return renderArray(ctx, type & 0x7f, at, size);
  switch (type) {
    case 0x00: // NullType
    case 0x20: // EvtHandle
    case 0x21: // BinXml: structural, expanded by the caller
    case 0x23: // EvtXml
      return '';
    case 0x01:
      return stripNul(utf16(ctx, at, size >>> 1));
    case 0x02:
      return stripNul(ctx.bytes.toString('latin1', at, at + size));
    case 0x0e:
      return ctx.bytes.toString('hex', at, at + size).toUpperCase();
    case 0x10: // SizeT: a pointer-sized integer, which Windows shows in hex
      return size === 8 ? hex64(ctx.view, at) : hex32(ctx.view, at);
    case 0x13:
      return renderSid(ctx, at, size);
    default: {
      const width = fixedValueWidth(type);
      if (width === undefined) {
        throw new EvtxFormatError(ctx.fileOffset + at, 'substitution value', `unknown value type 0x${type.toString(16)}`);
      }
      if (size < width) {
        throw new EvtxFormatError(ctx.fileOffset + at, 'substitution value', `type 0x${type.toString(16)} needs ${width} bytes, has ${size}`);
      }
      return renderFixed(ctx.bytes, ctx.view, type, at);
    }
  }
}

/** Renders substitution value `index` (not a BinXML one, which the caller expands). */
export function renderSubstitution(ctx: ChunkContext, values: SubstitutionValues, index: number): string {
  const type = ctx.bytes[values.descriptors + index * 4 + 2] as number;
  const at = values.offsets[index] as number;
  const size = ctx.view.getUint16(values.descriptors + index * 4, true);
  if (type !== 0x01 || !values.sliceable) return renderValue(ctx, type, at, size);
  // The instance's values were bounds-checked when parsed; UTF-16LE decoding copies code units one for one, so a
  // slice of the decoded block equals decoding the value alone.
  const first = values.offsets[0] as number;
  const start = ((at ^ first) & 1) === 0 ? first : first + 1;
  let text = (at & 1) === 0 ? values.evenText : values.oddText;
  if (text === undefined) {
    text = utf16(ctx, start, (values.end - start) >>> 1);
    if ((at & 1) === 0) values.evenText = text;
    else values.oddText = text;
  }
  const from = (at - start) >>> 1;
  let to = from + (size >>> 1);
  // Strings in substitutions usually carry their terminating NUL; Windows does not render it.
  while (to > from && text.charCodeAt(to - 1) === 0) to--;
  return text.slice(from, to);
}

/** Renders one fixed-width item. */
function renderFixed(bytes: Uint8Array, view: DataView, type: number, at: number): string {
  switch (type) {
    case 0x03: return String(view.getInt8(at));
    case 0x04: return String(view.getUint8(at));
    case 0x05: return String(view.getInt16(at, true));
    case 0x06: return String(view.getUint16(at, true));
    case 0x07: return String(view.getInt32(at, true));
    case 0x08: return String(view.getUint32(at, true));
    case 0x09: return int64(view, at);
    case 0x0a: return uint64(view, at);
    case 0x0b: return String(view.getFloat32(at, true));
    case 0x0c: return String(view.getFloat64(at, true));
    case 0x0d: return view.getUint32(at, true) !== 0 ? 'true' : 'false';
    case 0x0f: return renderGuid(bytes, view, at);
    case 0x11: return renderFiletime(view.getUint32(at, true), view.getUint32(at + 4, true));
    case 0x12: return renderSystemtime(view, at);
    case 0x14: return hex32(view, at);
    case 0x15: return hex64(view, at);
    default: return '';
  }
}

/** Renders an array value, items joined with `,` (strings are NUL-terminated one after another). */
function renderArray(ctx: ChunkContext, itemType: number, at: number, size: number): string {
  if (itemType === 0x01 || itemType === 0x02) {
    const text = itemType === 0x01 ? utf16(ctx, at, size >>> 1) : ctx.bytes.toString('latin1', at, at + size);
    const items = text.split('\0');
    if (items.length > 1 && items[items.length - 1] === '') items.pop();
    return items.join(',');
  }
  const width = itemType === 0x10 ? 8 : fixedValueWidth(itemType);
  if (width === undefined) return ctx.bytes.toString('hex', at, at + size).toUpperCase();
  const items: string[] = [];
  for (let p = at; p + width <= at + size; p += width) {
    items.push(itemType === 0x10 ? hex64(ctx.view, p) : renderFixed(ctx.bytes, ctx.view, itemType, p));
  }
  return items.join(',');
}

/** Uppercase hex digit character codes. */
const HEX_DIGITS = Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
/** Byte order of a GUID's text: the first three groups are little-endian; -1 is a `-`. */
const GUID_BYTE_ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
/** Character codes of the GUID being rendered (reused: three GUIDs per Sysmon record made this a hot spot). */
const guidCodes: number[] = new Array<number>(38).fill(0);
/**
 * Recently rendered GUIDs, direct-mapped by their first byte: logs repeat the same process and logon GUIDs across
 * many records. Each slot holds the 16 bytes as four u32 (compared in full) and the text.
 */
const GUID_SLOTS = 256;
const guidKeys = new Uint32Array(GUID_SLOTS * 4);
const guidTexts: (string | undefined)[] = new Array<string | undefined>(GUID_SLOTS).fill(undefined);

/** `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`: the first three groups are little-endian. */
function renderGuid(bytes: Uint8Array, view: DataView, at: number): string {
  const a = view.getUint32(at, true);
  const b = view.getUint32(at + 4, true);
  const c = view.getUint32(at + 8, true);
  const d = view.getUint32(at + 12, true);
  const slot = a & (GUID_SLOTS - 1);
  const cached = guidTexts[slot];
  const k4 = slot * 4;
  if (cached !== undefined && guidKeys[k4] === a && guidKeys[k4 + 1] === b && guidKeys[k4 + 2] === c && guidKeys[k4 + 3] === d) return cached;
  const text = guidText(bytes, at);
  guidKeys[k4] = a;
  guidKeys[k4 + 1] = b;
  guidKeys[k4 + 2] = c;
  guidKeys[k4 + 3] = d;
  guidTexts[slot] = text;
  return text;
}

function guidText(bytes: Uint8Array, at: number): string {
  let k = 0;
  guidCodes[k++] = 0x7b;
  for (const i of GUID_BYTE_ORDER) {
    if (i < 0) {
      guidCodes[k++] = 0x2d;
      continue;
    }
    const byte = bytes[at + i] as number;
    guidCodes[k++] = HEX_DIGITS[byte >> 4] as number;
    guidCodes[k++] = HEX_DIGITS[byte & 15] as number;
  }
  guidCodes[k] = 0x7d;
  return String.fromCharCode.apply(null, guidCodes);
}

/** `S-<revision>-<authority>-<sub>-…`: a 48-bit big-endian authority, then little-endian 32-bit sub-authorities. */
function renderSid(ctx: ChunkContext, at: number, size: number): string {
  if (size < 8) throw new EvtxFormatError(ctx.fileOffset + at, 'SID value', `needs at least 8 bytes, has ${size}`);
  const view = ctx.view;
  const count = view.getUint8(at + 1);
  if (8 + count * 4 > size) throw new EvtxFormatError(ctx.fileOffset + at, 'SID value', `${count} sub-authorities do not fit in ${size} bytes`);
  const authority = view.getUint16(at + 2) * 0x1_0000_0000 + view.getUint32(at + 4);
  let sid = `S-${view.getUint8(at)}-${authority}`;
  for (let i = 0; i < count; i++) sid += `-${view.getUint32(at + 8 + i * 4, true)}`;
  return sid;
}

function hex32(view: DataView, at: number): string {
  return `0x${view.getUint32(at, true).toString(16)}`;
}

function hex64(view: DataView, at: number): string {
  const high = view.getUint32(at + 4, true);
  const low = view.getUint32(at, true).toString(16);
  return high === 0 ? `0x${low}` : `0x${high.toString(16)}${low.padStart(8, '0')}`;
}

function uint64(view: DataView, at: number): string {
  const high = view.getUint32(at + 4, true);
  return high < 0x20_0000 ? String(high * 0x1_0000_0000 + view.getUint32(at, true)) : view.getBigUint64(at, true).toString();
}

function int64(view: DataView, at: number): string {
  const high = view.getInt32(at + 4, true);
  return high >= -0x20_0000 && high < 0x20_0000
    ? String(high * 0x1_0000_0000 + view.getUint32(at, true))
    : view.getBigInt64(at, true).toString();
}

/** Strings in substitutions usually carry their terminating NUL; Windows does not render it. */
function stripNul(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return end === s.length ? s : s.slice(0, end);
}
