/**
 * Binary XML → a small element tree with substitution placeholders. Template definitions are parsed once per
 * chunk and cached by their chunk offset; a record's template instance binds the definition to its
 * substitution array, whose values stay as (type, offset, size) until rendered. Token layout per the libevtx
 * format document, section Binary XML; the dependency-identifier heuristic follows omerbenamram/evtx.
 */
import { EvtxFormatError } from './evtx-format-error.ts';
import { CHUNK_HEADER_SIZE } from './chunk-header.ts';
import { need, outside, shortError, utf16, type ChunkContext } from './chunk-context.ts';
import { fixedValueWidth, renderValue } from './binxml-values.ts';
import type { Plan } from './binxml-plan.ts';
import { newNameRefs, sharedTemplate, shareTemplate, type NameRefs } from './template-cache.ts';

/**
 * Nesting levels allowed: each template instance and each BinXML substitution value is one level (a Sysmon
 * record uses 3: record template, EventData fragment, its template). Deeper input is refused, which bounds
 * the parser's recursion whatever the input.
 */
export const MAX_NESTING = 64;
/** Elements nested deeper than this within one fragment are refused. */
export const MAX_ELEMENT_DEPTH = 64;

/** Value type of a BinXML fragment embedded as a substitution value. */
export const BINXML_VALUE_TYPE = 0x21;

/** One piece of element or attribute content. */
export type BinXmlContent =
  | { kind: 'text'; text: string }
  | { kind: 'substitution'; index: number; optional: boolean }
  | { kind: 'element'; element: BinXmlElement }
  | { kind: 'template'; instance: TemplateInstance };

/** An element: name, attributes (content limited to text and substitutions), content. */
export interface BinXmlElement {
  name: string;
  attributes: BinXmlAttribute[];
  content: BinXmlContent[];
}

/** An attribute and its value pieces. */
export interface BinXmlAttribute {
  name: string;
  value: BinXmlContent[];
}

/** A parsed template definition, shared by every record of the chunk that uses it and by equal ones of later chunks. */
export interface TemplateDefinition {
  /** Chunk offset where it was parsed (for a shared definition, in the chunk that first held it). */
  offset: number;
  content: BinXmlContent[];
  /** The event walk's plan per section (indexed by Section), compiled on first use. */
  plans: (Plan | undefined)[];
}

/**
 * The substitution array of one template instance: value i starts at chunk offset `offsets[i]`; its type and size
 * are read from its descriptor (valueType, valueSize).
 */
export interface SubstitutionValues {
  count: number;
  /** Chunk offset of the descriptors: value i's size (u16) at `descriptors + 4i`, its type (u8) 2 bytes further. */
  descriptors: number;
  offsets: number[];
  /** Chunk offset just past the last value. */
  end: number;
  /**
   * The value bytes decoded as UTF-16LE from the first value on (evenText: from an even chunk offset, oddText: odd),
   * on first use: string values are sliced out of these, one decoder call per instance instead of one per value.
   * Not for instances holding a BinXML value, whose bytes (a whole nested instance) would be decoded for nothing.
   */
  evenText: string | undefined;
  oddText: string | undefined;
  /** No BinXML value among the values: string values may be sliced from evenText/oddText. */
  sliceable: boolean;
  /** Parsed BinXML values (type 0x21) by index, filled on first use (most instances have none). */
  nested: (BinXmlContent[] | undefined)[] | undefined;
  /** Nesting depth of the instance, so nested values are parsed one level deeper. */
  depth: number;
}

/** A template definition bound to one record's substitution values. */
export interface TemplateInstance {
  template: TemplateDefinition;
  values: SubstitutionValues;
}

/** The predefined XML entities; a Map, so names like `constructor` are not looked up on Object.prototype. */
const ENTITIES: ReadonlyMap<string, string> = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"]]);

/** Reads a name reference at `pos`; returns the name and where parsing continues (past an inline name). */
function readName(ctx: ChunkContext, pos: number, end: number, reading: string, refs: NameRefs | undefined): { name: string; next: number } {
  if (outside(pos, 4, end)) throw shortError(ctx, pos, 4, end, `${reading} name offset`);
  const offset = ctx.view.getUint32(pos, true);
  if (refs !== undefined) {
    refs.at.push(pos);
    refs.target.push(offset);
  }
  const inline = offset === pos + 4;
  const limit = inline ? end : ctx.bytes.length;
  if (offset < CHUNK_HEADER_SIZE || offset + 8 > limit) {
    throw new EvtxFormatError(ctx.fileOffset + pos, `${reading} name`, `name offset ${offset} points outside the chunk's records`);
  }
  const count = ctx.view.getUint16(offset + 6, true);
  if (outside(offset + 8, count * 2 + (inline ? 2 : 0), limit)) throw shortError(ctx, offset + 8, count * 2 + (inline ? 2 : 0), limit, `${reading} name text`);
  let name = ctx.names.get(offset);
  if (name === undefined) {
    name = utf16(ctx, offset + 8, count);
    ctx.names.set(offset, name);
  }
  return { name, next: inline ? offset + 10 + count * 2 : pos + 4 };
}

/**
 * Adds a parsed item where the parser stands: to the open attribute's value, the open element's content, or the top
 * level. A function of its own rather than a closure, so the parser's loop variables stay out of a heap context.
 */
function place(
  ctx: ChunkContext,
  pos: number,
  inStartTag: boolean,
  attribute: BinXmlAttribute | undefined,
  stack: BinXmlElement[],
  top: BinXmlContent[],
  item: BinXmlContent,
): void {
  if (inStartTag) {
    if (attribute === undefined || (item.kind !== 'text' && item.kind !== 'substitution')) {
      throw new EvtxFormatError(ctx.fileOffset + pos, 'element start tag', `unexpected ${item.kind} outside an attribute`);
    }
    attribute.value.push(item);
  } else (stack.length > 0 ? (stack[stack.length - 1] as BinXmlElement).content : top).push(item);
}

/** Parses BinXML in `[start, end)` up to its end-of-file token (or `end`). */
export function parseFragment(
  ctx: ChunkContext,
  start: number,
  end: number,
  options: { insideSubstitution: boolean; depth: number; refs?: NameRefs },
): BinXmlContent[] {
  if (options.depth > MAX_NESTING) {
    throw new EvtxFormatError(ctx.fileOffset + start, 'binary XML', `nested deeper than ${MAX_NESTING} levels`);
  }
  const top: BinXmlContent[] = [];
  const stack: BinXmlElement[] = [];
  let attribute: BinXmlAttribute | undefined;
  let inStartTag = false;
  let pos = start;
  while (pos < end) {
    const at = pos;
    const token = ctx.bytes[pos++] as number;
    switch (token & 0xbf) {
      case 0x00:
        if (stack.length > 0) throw new EvtxFormatError(ctx.fileOffset + at, 'binary XML', `end of fragment inside <${stack[stack.length - 1]?.name}>`);
        return top;
      case 0x01: {
        if (inStartTag) throw new EvtxFormatError(ctx.fileOffset + at, 'element start tag', 'element opened inside a start tag');
        let p = options.insideSubstitution ? pos : pos + 2;
        need(ctx, p, 4, end, 'element data size');
        // A dependency identifier is sometimes absent where it is expected; a data size larger than the chunk
        // is the tell (omerbenamram/evtx's heuristic), so read again without it.
        if (!options.insideSubstitution && ctx.view.getUint32(p, true) >= ctx.bytes.length) p = pos;
        const { name, next } = readName(ctx, p + 4, end, 'element', options.refs);
        pos = next;
        if (token & 0x40) {
          need(ctx, pos, 4, end, 'attribute list size');
          pos += 4;
        }
        if (stack.length >= MAX_ELEMENT_DEPTH) {
          throw new EvtxFormatError(ctx.fileOffset + at, 'element', `elements nested deeper than ${MAX_ELEMENT_DEPTH}`);
        }
        const element: BinXmlElement = { name, attributes: [], content: [] };
        place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'element', element });
        stack.push(element);
        inStartTag = true;
        attribute = undefined;
        break;
      }
      case 0x02:
      case 0x03:
        if (!inStartTag) throw new EvtxFormatError(ctx.fileOffset + at, 'element start tag', 'close of a start tag that is not open');
        inStartTag = false;
        attribute = undefined;
        if ((token & 0xbf) === 0x03) stack.pop();
        break;
      case 0x04:
        if (inStartTag || stack.length === 0) throw new EvtxFormatError(ctx.fileOffset + at, 'end element', 'no open element to end');
        stack.pop();
        break;
      case 0x05: {
        need(ctx, pos, 1, end, 'value type');
        const type = ctx.bytes[pos++] as number;
        if (type === 0x01) {
          need(ctx, pos, 2, end, 'value text length');
          const count = ctx.view.getUint16(pos, true);
          need(ctx, pos + 2, count * 2, end, 'value text');
          place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'text', text: utf16(ctx, pos + 2, count) });
          pos += 2 + count * 2;
        } else {
          const width = fixedValueWidth(type);
          if (width === undefined) throw new EvtxFormatError(ctx.fileOffset + at, 'value', `value type 0x${type.toString(16)} has no size here`);
          need(ctx, pos, width, end, 'value');
          place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'text', text: renderValue(ctx, type, pos, width) });
          pos += width;
        }
        break;
      }
      case 0x06: {
        if (!inStartTag) throw new EvtxFormatError(ctx.fileOffset + at, 'attribute', 'attribute outside a start tag');
        const { name, next } = readName(ctx, pos, end, 'attribute', options.refs);
        pos = next;
        attribute = { name, value: [] };
        (stack[stack.length - 1] as BinXmlElement).attributes.push(attribute);
        break;
      }
      case 0x07:
      case 0x0b: {
        need(ctx, pos, 2, end, 'CDATA/PI length');
        const count = ctx.view.getUint16(pos, true);
        need(ctx, pos + 2, count * 2, end, 'CDATA/PI text');
        if ((token & 0xbf) === 0x07) place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'text', text: utf16(ctx, pos + 2, count) });
        pos += 2 + count * 2;
        break;
      }
      case 0x08:
        need(ctx, pos, 2, end, 'character reference');
        place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'text', text: String.fromCharCode(ctx.view.getUint16(pos, true)) });
        pos += 2;
        break;
      case 0x09: {
        const { name, next } = readName(ctx, pos, end, 'entity reference', options.refs);
        pos = next;
        place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'text', text: ENTITIES.get(name) ?? `&${name};` });
        break;
      }
      case 0x0a:
        pos = readName(ctx, pos, end, 'processing instruction', options.refs).next;
        break;
      case 0x0c: {
        if (options.refs !== undefined) options.refs.hasInstance = true;
        const parsed = parseTemplateInstance(ctx, pos, end, options.depth);
        place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'template', instance: parsed.instance });
        pos = parsed.next;
        break;
      }
      case 0x0d:
      case 0x0e:
        need(ctx, pos, 3, end, 'substitution');
        place(ctx, pos, inStartTag, attribute, stack, top, { kind: 'substitution', index: ctx.view.getUint16(pos, true), optional: (token & 0xbf) === 0x0e });
        pos += 3;
        break;
      case 0x0f:
        need(ctx, pos, 3, end, 'fragment header');
        pos += 3;
        break;
      default:
        throw new EvtxFormatError(ctx.fileOffset + at, 'binary XML token', `unknown token 0x${token.toString(16)}`);
    }
  }
  if (stack.length > 0) throw new EvtxFormatError(ctx.fileOffset + pos, 'binary XML', `data ends inside <${stack[stack.length - 1]?.name}>`);
  return top;
}

/** Parses a template instance whose token was at `pos - 1`. */
function parseTemplateInstance(
  ctx: ChunkContext,
  pos: number,
  end: number,
  depth: number,
): { instance: TemplateInstance; next: number } {
  need(ctx, pos, 9, end, 'template instance');
  const definitionOffset = ctx.view.getUint32(pos + 5, true);
  pos += 9;
  // The definition is stored right here the first time a chunk uses it, and referenced by offset afterwards.
  if (definitionOffset === pos) {
    need(ctx, pos, 24, end, 'template definition header');
    pos += 24 + ctx.view.getUint32(pos + 20, true);
    need(ctx, pos, 0, end, 'template definition');
  }
  const template = templateAt(ctx, definitionOffset, depth + 1);
  need(ctx, pos, 4, end, 'substitution count');
  const count = ctx.view.getUint32(pos, true);
  pos += 4;
  if (outside(pos, count * 4, end)) throw shortError(ctx, pos, count * 4, end, `${count} substitution descriptors`);
  const offsets = new Array<number>(count);
  let valueOffset = pos + count * 4;
  let sliceable = true;
  for (let i = 0; i < count; i++) {
    offsets[i] = valueOffset;
    valueOffset += ctx.view.getUint16(pos + i * 4, true);
    if (ctx.bytes[pos + i * 4 + 2] === BINXML_VALUE_TYPE) sliceable = false;
  }
  const values: SubstitutionValues = {
    count,
    descriptors: pos,
    offsets,
    end: valueOffset,
    evenText: undefined,
    oddText: undefined,
    sliceable,
    nested: undefined,
    depth: depth + 1,
  };
  if (outside(pos + count * 4, valueOffset - pos - count * 4, end)) {
    throw shortError(ctx, pos + count * 4, valueOffset - pos - count * 4, end, `${count} substitution values`);
  }
  return { instance: { template, values }, next: valueOffset };
}

/** The template definition at a chunk offset, parsed on first use. */
function templateAt(ctx: ChunkContext, offset: number, depth: number): TemplateDefinition {
  const cached = ctx.templates.get(offset);
  if (cached instanceof EvtxFormatError) throw cached;
  if (cached === null) throw new EvtxFormatError(ctx.fileOffset + offset, 'template definition', 'template refers to itself');
  if (cached !== undefined) return cached;
  if (offset < CHUNK_HEADER_SIZE || offset + 24 > ctx.bytes.length) {
    throw new EvtxFormatError(ctx.fileOffset + offset, 'template definition', `offset ${offset} points outside the chunk's records`);
  }
  ctx.templates.set(offset, null);
  try {
    const bodyEnd = offset + 24 + ctx.view.getUint32(offset + 20, true);
    need(ctx, offset + 24, bodyEnd - offset - 24, ctx.bytes.length, 'template definition body');
    // Too deep a nesting is parseFragment's error to throw, so a shared definition is only looked for within bounds.
    let definition = depth <= MAX_NESTING ? sharedTemplate(ctx, offset, bodyEnd) : undefined;
    if (definition === undefined) {
      const refs = newNameRefs();
      definition = {
        offset,
        content: parseFragment(ctx, offset + 24, bodyEnd, { insideSubstitution: false, depth, refs }),
        plans: [undefined, undefined, undefined, undefined],
      };
      shareTemplate(ctx, offset, bodyEnd, refs, definition);
    }
    ctx.templates.set(offset, definition);
    return definition;
  } catch (error) {
    if (error instanceof EvtxFormatError) ctx.templates.set(offset, error);
    else ctx.templates.delete(offset);
    throw error;
  }
}

/** The type of value `index`; undefined past the last value. */
export function valueType(ctx: ChunkContext, values: SubstitutionValues, index: number): number | undefined {
  return index < values.count ? ctx.bytes[values.descriptors + index * 4 + 2] : undefined;
}

/** The size of value `index` (below count). */
export function valueSize(ctx: ChunkContext, values: SubstitutionValues, index: number): number {
  return ctx.view.getUint16(values.descriptors + index * 4, true);
}

/** The parsed BinXML of substitution value `index` (type 0x21), parsed on first use. */
export function nestedFragment(ctx: ChunkContext, values: SubstitutionValues, index: number): BinXmlContent[] {
  values.nested ??= [];
  let nested = values.nested[index];
  if (nested === undefined) {
    const offset = values.offsets[index] as number;
    nested = parseFragment(ctx, offset, offset + valueSize(ctx, values, index), {
      insideSubstitution: true,
      depth: values.depth + 1,
    });
    values.nested[index] = nested;
  }
  return nested;
}
