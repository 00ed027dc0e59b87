/**
 * Walks a record's BinXML tree and its substitution values and picks out what RawEvent holds: the System
 * fields and the named EventData/Data values. Only those values are rendered; the rest of the tree is skipped.
 */
import type { RawSystem } from '../raw-event.ts';
import type { ChunkContext } from './chunk-context.ts';
import { BINXML_VALUE_TYPE, nestedFragment, type BinXmlContent, type BinXmlElement, type SubstitutionValues } from './binxml-tree.ts';
import { renderValue } from './binxml-values.ts';
import { EvtxFormatError } from './evtx-format-error.ts';

/** What a record yields: System fields and EventData values. */
export interface EventFields {
  system: RawSystem;
  data: Record<string, string>;
}

type Section = 'root' | 'event' | 'system' | 'event-data';

/**
 * Templates may instantiate templates and substitutions may repeat, so a hostile record of a few KiB could
 * expand exponentially ("billion laughs"). Real records expand to a few hundred nodes and at most ~32 Ki
 * characters per value; these caps are far above that and keep a hostile record to a bounded amount of work.
 */
export const MAX_EXPANDED_NODES = 100_000;
/** Cap on the characters rendered from one record (see MAX_EXPANDED_NODES). */
export const MAX_RENDERED_CHARS = 2_000_000;

/** Work left for the record being expanded. */
interface Budget {
  nodes: number;
  chars: number;
}

/** System children whose text is the field value (Maps: an element named `constructor` must find nothing). */
const TEXT_FIELDS: ReadonlyMap<string, keyof RawSystem> = new Map<string, keyof RawSystem>([
  ['EventID', 'EventID'],
  ['Version', 'Version'],
  ['Channel', 'Channel'],
  ['Computer', 'Computer'],
  ['EventRecordID', 'EventRecordID'],
]);
/** System children whose attribute is the field value: element → [attribute, field]. */
const ATTRIBUTE_FIELDS: ReadonlyMap<string, readonly [string, keyof RawSystem]> = new Map<string, readonly [string, keyof RawSystem]>([
  ['Provider', ['Name', 'Provider']],
  ['TimeCreated', ['SystemTime', 'TimeCreated']],
  ['Security', ['UserID', 'UserID']],
]);

/** Extracts the RawEvent fields from a record's parsed top-level content. */
export function eventFields(ctx: ChunkContext, content: BinXmlContent[]): EventFields {
  const fields: EventFields = { system: {}, data: {} };
  walk(ctx, content, undefined, 'root', { fields, budget: { nodes: MAX_EXPANDED_NODES, chars: MAX_RENDERED_CHARS } });
  return fields;
}

/** The walk's output and its remaining budget. */
interface WalkState {
  fields: EventFields;
  budget: Budget;
}

function walk(
  ctx: ChunkContext,
  content: BinXmlContent[],
  values: SubstitutionValues | undefined,
  section: Section,
  state: WalkState,
): void {
  if ((state.budget.nodes -= content.length) < 0) throw overBudget(ctx, 'nodes');
  for (const item of content) {
    switch (item.kind) {
      case 'text':
        break;
      case 'template':
        walk(ctx, item.instance.template.content, item.instance.values, section, state);
        break;
      case 'substitution':
        // A substituted BinXML fragment splices its elements in here.
        if (values !== undefined && values.types[item.index] === BINXML_VALUE_TYPE) {
          walk(ctx, nestedFragment(ctx, values, item.index), undefined, section, state);
        }
        break;
      case 'element':
        visitElement(ctx, item.element, values, section, state);
        break;
      default: {
        const unreachable: never = item;
        return unreachable;
      }
    }
  }
}

function visitElement(
  ctx: ChunkContext,
  element: BinXmlElement,
  values: SubstitutionValues | undefined,
  section: Section,
  state: WalkState,
): void {
  const name = element.name;
  const fields = state.fields;
  switch (section) {
    case 'root':
      if (name === 'Event') walk(ctx, element.content, values, 'event', state);
      return;
    case 'event':
      if (name === 'System') walk(ctx, element.content, values, 'system', state);
      else if (name === 'EventData') walk(ctx, element.content, values, 'event-data', state);
      return;
    case 'system': {
      const textField = TEXT_FIELDS.get(name);
      // A repeated field keeps its first value, as the XML reader does.
      if (textField !== undefined) {
        if (fields.system[textField] === undefined) fields.system[textField] = renderContent(ctx, element.content, values, state.budget);
        return;
      }
      const attributeField = ATTRIBUTE_FIELDS.get(name);
      if (attributeField !== undefined && fields.system[attributeField[1]] === undefined) {
        const value = attributeValue(ctx, element, attributeField[0], values, state.budget);
        if (value !== undefined) fields.system[attributeField[1]] = value;
      }
      return;
    }
    case 'event-data': {
      if (name !== 'Data') return;
      // A Data element without a Name is skipped and a repeated Name keeps its first value, as in the XML reader.
      const dataName = attributeValue(ctx, element, 'Name', values, state.budget);
      if (dataName === undefined || Object.hasOwn(fields.data, dataName)) return;
      const value = renderContent(ctx, element.content, values, state.budget);
      // `__proto__` is a legal Data name; define it so it lands as a plain key.
      if (dataName === '__proto__') Object.defineProperty(fields.data, dataName, { value, enumerable: true, writable: true, configurable: true });
      else fields.data[dataName] = value;
      return;
    }
    default: {
      const unreachable: never = section;
      return unreachable;
    }
  }
}

/** An attribute's rendered value; undefined when absent or when its value is an optional substitution left empty. */
function attributeValue(
  ctx: ChunkContext,
  element: BinXmlElement,
  name: string,
  values: SubstitutionValues | undefined,
  budget: Budget,
): string | undefined {
  for (const attribute of element.attributes) {
    if (attribute.name !== name) continue;
    const only = attribute.value.length === 1 ? attribute.value[0] : undefined;
    // Most attributes are literal text in the template (`<Data Name='Image'>`): no rendering needed.
    if (only?.kind === 'text') return only.text;
    if (only?.kind === 'substitution' && only.optional && (values === undefined || (values.types[only.index] ?? 0) === 0)) return undefined;
    return renderContent(ctx, attribute.value, values, budget);
  }
  return undefined;
}

/** The text of element or attribute content: literal text plus rendered substitutions, child elements ignored. */
function renderContent(ctx: ChunkContext, content: BinXmlContent[], values: SubstitutionValues | undefined, budget: Budget): string {
  const only = content.length === 1 ? content[0] : undefined;
  // The common case: the element's content is one substitution (`<Data Name='Image'>%12</Data>`).
  if (only?.kind === 'substitution' && values !== undefined && only.index < values.types.length) {
    const type = values.types[only.index] as number;
    if (type === BINXML_VALUE_TYPE) return '';
    const text = renderValue(ctx, type, values.offsets[only.index] as number, values.sizes[only.index] as number);
    if ((budget.chars -= text.length) < 0) throw overBudget(ctx, 'characters');
    return text;
  }
  let text = '';
  for (const item of content) {
    if (item.kind === 'text') text += item.text;
    else if (item.kind === 'substitution' && values !== undefined && item.index < values.types.length) {
      const type = values.types[item.index] as number;
      if (type !== BINXML_VALUE_TYPE) {
        text += renderValue(ctx, type, values.offsets[item.index] as number, values.sizes[item.index] as number);
      }
    }
  }
  if ((budget.chars -= text.length) < 0) throw overBudget(ctx, 'characters');
  return text;
}

function overBudget(ctx: ChunkContext, what: 'nodes' | 'characters'): EvtxFormatError {
  const limit = what === 'nodes' ? MAX_EXPANDED_NODES : MAX_RENDERED_CHARS;
  return new EvtxFormatError(ctx.fileOffset, 'template expansion', `record expands to more than ${limit} ${what} (templates or substitutions repeated beyond any real event)`);
}
